// A complete, valid environment for every role of one instance, pointed at a test database.
// Tests pass it through loadEnv(role, …) so they exercise the same validation as production.
import { randomBytes } from "node:crypto";

export function instanceEnv(databaseUrl: string, overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const url = new URL(databaseUrl);
  return {
    WABA_INSTANCE: "test-instance",
    WABA_PHONE_NUMBER: "+15550001111",
    WABA_PHONE_NUMBER_ID: "105550001111",
    WABA_ACCOUNT_ID: "205550001111",
    WABA_LOG_LEVEL: "silent",
    WABA_PORT: "0",
    WABA_DATABASE_HOST: url.hostname,
    WABA_DATABASE_PORT: url.port || "5432",
    WABA_DATABASE_NAME: url.pathname.slice(1),
    WABA_DATABASE_USER: decodeURIComponent(url.username) || "postgres",
    WABA_DATABASE_PASSWORD: decodeURIComponent(url.password) || "trust-auth-ignores-this",
    WABA_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    WABA_TOKEN_SIGNING_KEY: randomBytes(32).toString("base64"),
    WABA_API_KEY: "monitoring-key-0123456789",
    WABA_RATE_LIMIT_PER_SECOND: "1000",
    WABA_RATE_LIMIT_BURST: "2000",
    WABA_SHARDS: "1",
    WABA_ADMIN_PASSWORD: "Initial-Pass-1",
    WABA_API_KEY_ID: "machine-key",
    WABA_API_KEY_SECRET: "machine-secret-0123456789",
    WABA_GATEWAY_URL: "ws://127.0.0.1:9/unused",
    ...overrides,
  };
}
