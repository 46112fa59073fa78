import { ApiError } from "../errors.js";
import { parseOrThrow } from "../validation.js";
import { applyPatch, asPatch, settingsPatch, settingsView } from "./schema.js";

const seal = (s: string) => `sealed(${s})`;
const open = (s: string) => s.replace(/^sealed\((.*)\)$/, "$1");
const patch = (body: unknown) => parseOrThrow(settingsPatch, body);

describe("application settings", () => {
  it("merge a patch into what is stored, sealing the webhook secret", () => {
    const stored = applyPatch({ heartbeat_interval: 7 }, patch({ webhooks: { url: "https://hooks.example/in", secret: "hmac-secret-1" }, callback_persist: false }), seal);
    expect(stored).toEqual({ heartbeat_interval: 7, callback_persist: false, webhooks: { url: "https://hooks.example/in", secret_sealed: "sealed(hmac-secret-1)" } });
    expect(applyPatch(stored, patch({ webhooks: { format: "cloud" } }), seal).webhooks).toEqual({ url: "https://hooks.example/in", format: "cloud", secret_sealed: "sealed(hmac-secret-1)" });
  });

  it("remove the webhook url or secret when set to an empty string", () => {
    const stored = applyPatch({}, patch({ webhooks: { url: "https://a.example", secret: "hmac-secret-1" } }), seal);
    expect(applyPatch(stored, patch({ webhooks: { url: "", secret: "" } }), seal).webhooks).toEqual({});
  });

  it("answer defaults for what is not set and never the secret", () => {
    const view = settingsView({ webhooks: { url: "https://a.example", secret_sealed: "x" } });
    expect(view).toEqual({
      callback_persist: true, callback_backoff_delay_ms: 3000, max_callback_backoff_delay_ms: 900000,
      media: { auto_download: [] }, heartbeat_interval: 5, unhealthy_interval: 30, webhooks: { url: "https://a.example" },
    });
  });

  it("refuse webhook URLs that are not https, except to loopback", () => {
    expect(() => patch({ webhooks: { url: "http://hooks.example/in" } })).toThrow(ApiError);
    expect(() => patch({ webhooks: { url: "ftp://hooks.example/in" } })).toThrow(ApiError);
    expect(patch({ webhooks: { url: "http://127.0.0.1:8080/in" } }).webhooks?.url).toBe("http://127.0.0.1:8080/in");
  });

  it("name the field of a bad value", () => {
    expect(() => patch({ webhooks: { max_concurrent_requests: 7 } })).toThrow("webhooks.max_concurrent_requests:");
    expect(() => patch({ heartbeat_interval: "5" })).toThrow("heartbeat_interval:");
    expect(() => patch({ colour: "blue" })).toThrow("colour: not a known parameter");
    expect(() => applyPatch({ callback_backoff_delay_ms: 5000 }, patch({ max_callback_backoff_delay_ms: 4000 }), seal)).toThrow("max_callback_backoff_delay_ms: must be at least");
  });

  it("turn back into a patch with the secret in clear (for backups) that restores the same value", () => {
    const stored = applyPatch({}, patch({ webhooks: { url: "https://a.example", secret: "hmac-secret-1", max_concurrent_requests: 12 }, media: { auto_download: ["image"] } }), seal);
    const backup = asPatch(stored, open);
    expect(backup.webhooks?.secret).toBe("hmac-secret-1");
    expect(applyPatch({}, patch(backup), seal)).toEqual(stored);
  });
});
