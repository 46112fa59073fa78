import { applicationEndpoint, operatorEndpointId, operatorEndpoints, subscriptionPairs } from "./endpoints.js";
import { parseDispatchSettings, SettingsError } from "./settings.js";

describe("webhook endpoints", () => {
  const subs = [
    { url: "https://a.example/hook", format: "onprem" as const, events: [], secretEnv: "WABA_WEBHOOK_SECRET_0" },
    { url: "https://b.example/hook", format: "cloud" as const, events: ["statuses" as const], secretEnv: "WABA_WEBHOOK_SECRET_1" },
  ];
  const env = { WABA_WEBHOOK_SECRET_0: "s0", WABA_WEBHOOK_SECRET_1: "s1" };

  it("come from WABA_WEBHOOKS with stable ids, their secrets and event filters", () => {
    const [a, b] = operatorEndpoints(subs, env, 6);
    expect(a).toMatchObject({ id: operatorEndpointId("https://a.example/hook"), format: "onprem", kinds: ["status", "message"], secret: Buffer.from("s0") });
    expect(b).toMatchObject({ format: "cloud", kinds: ["status"], secret: Buffer.from("s1") });
    expect(operatorEndpoints([...subs].reverse(), env, 6).map((e) => e.id).sort()).toEqual([a!.id, b!.id].sort());
    expect(subscriptionPairs([a!, b!])).toEqual({ endpoints: [a!.id, a!.id, b!.id], kinds: ["status", "message", "status"] });
  });

  it("refuse a url listed twice or a missing secret, naming the entry", () => {
    expect(() => operatorEndpoints([subs[0]!, { ...subs[0]!, format: "cloud" }], env, 6)).toThrow("WABA_WEBHOOKS[1]: the same url as WABA_WEBHOOKS[0]");
    expect(() => operatorEndpoints(subs, { WABA_WEBHOOK_SECRET_0: "s0" }, 6)).toThrow("WABA_WEBHOOK_SECRET_1: is required (named by WABA_WEBHOOKS[1])");
  });

  it("include the settings' webhook with its opened secret, on-prem by default", () => {
    const settings = parseDispatchSettings({ webhooks: { url: "https://app.example/in", secret_sealed: Buffer.from("sealed").toString("base64"), max_concurrent_requests: 12 } });
    expect(applicationEndpoint(settings, (sealed) => Buffer.from(`opened:${sealed.toString()}`))).toMatchObject({
      id: "application", format: "onprem", kinds: ["status", "message"], secret: Buffer.from("opened:sealed"), maxConcurrentRequests: 12,
    });
    expect(applicationEndpoint(parseDispatchSettings({ webhooks: { url: "" } }), () => Buffer.alloc(0))).toBeUndefined();
    expect(() => applicationEndpoint(settings, () => { throw new Error("wrong key"); })).toThrow("webhooks.secret_sealed cannot be opened");
  });
});

describe("the dispatcher's settings", () => {
  it("default to the on-prem client's backoff and concurrency", () => {
    expect(parseDispatchSettings(undefined)).toEqual({ maxConcurrentRequests: 6, backoff: { baseMs: 3000, capMs: 900_000 } });
    expect(parseDispatchSettings({ callback_backoff_delay_ms: 50, max_callback_backoff_delay_ms: 400, media: {} }).backoff).toEqual({ baseMs: 50, capMs: 400 });
  });

  it("refuse invalid values naming the field", () => {
    expect(() => parseDispatchSettings({ webhooks: { url: "ftp://x" } })).toThrow(SettingsError);
    expect(() => parseDispatchSettings({ webhooks: { url: "ftp://x" } })).toThrow(/webhooks\.url/);
    expect(() => parseDispatchSettings({ webhooks: { max_concurrent_requests: 7 } })).toThrow(/webhooks\.max_concurrent_requests/);
    expect(() => parseDispatchSettings({ callback_backoff_delay_ms: -1 })).toThrow(/callback_backoff_delay_ms/);
  });
});
