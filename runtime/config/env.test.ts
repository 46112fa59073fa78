import { ConfigError, envFor, loadEnv } from "./env.js";

const key = Buffer.alloc(32, 7).toString("base64");
const coreapp = {
  WABA_INSTANCE: "acme", WABA_PHONE_NUMBER: "+15551234567", WABA_DATABASE_HOST: "db",
  WABA_DATABASE_NAME: "waba", WABA_DATABASE_USER: "waba", WABA_DATABASE_PASSWORD: "pw-not-logged",
  WABA_ENCRYPTION_KEY: key, WABA_GATEWAY_URL: "ws://127.0.0.1:9000",
};

describe("the runtime environment", () => {
  it("returns typed values with defaults filled in", () => {
    const cfg = loadEnv("coreapp", coreapp);
    expect(cfg.WABA_DATABASE_PORT).toBe(5432);
    expect(cfg.WABA_LEASE_SECONDS).toBe(6);
    expect(cfg.WABA_MEDIA_DIR).toBe("/usr/local/wamedia");
  });

  it("names every bad or missing variable at once and never echoes a value", () => {
    const bad = { ...coreapp, WABA_PHONE_NUMBER: "5551234", WABA_ENCRYPTION_KEY: "c2hvcnQ=", WABA_DATABASE_HOST: undefined };
    let message = "";
    try {
      loadEnv("coreapp", bad);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain("WABA_PHONE_NUMBER: must be an E.164 number");
    expect(message).toContain("WABA_ENCRYPTION_KEY: must be 32 bytes");
    expect(message).toContain("WABA_DATABASE_HOST: is required");
    expect(message).not.toContain("c2hvcnQ=");
    expect(message).not.toContain("5551234\n");
  });

  it("requires the secret of every operator-managed webhook", () => {
    const webhook = {
      ...coreapp, WABA_PHONE_NUMBER_ID: "1055", WABA_ACCOUNT_ID: "2077",
      WABA_WEBHOOKS: JSON.stringify([{ url: "https://hooks.example/in", format: "cloud", secretEnv: "WABA_WEBHOOK_SECRET_0" }]),
    };
    expect(() => loadEnv("webhook", webhook)).toThrow("WABA_WEBHOOK_SECRET_0: is required");
    expect(loadEnv("webhook", { ...webhook, WABA_WEBHOOK_SECRET_0: "s3cret" }).WABA_WEBHOOKS).toEqual([
      { url: "https://hooks.example/in", format: "cloud", events: [], secretEnv: "WABA_WEBHOOK_SECRET_0" },
    ]);
  });

  it("gives each role only what it reads", () => {
    expect(envFor("simulator")).toEqual(["WABA_LOG_LEVEL", "WABA_PORT", "WABA_SIMULATOR_SEED", "WABA_SIMULATOR_ABSENT_PREFIXES",
      "WABA_SIMULATOR_DELIVERED_DELAY_MS", "WABA_SIMULATOR_READ_DELAY_MS", "WABA_SIMULATOR_READ_PROBABILITY", "WABA_SIMULATOR_RECORD"]);
    expect(envFor("migrate")).toContain("WABA_ADMIN_PASSWORD");
    expect(envFor("webapp")).not.toContain("WABA_ADMIN_PASSWORD");
  });
});
