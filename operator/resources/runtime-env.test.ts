import type { V1EnvVar } from "@kubernetes/client-node";
import { env, envFor, loadEnv, roles, webhookSecretPattern } from "../../runtime/config/env.js";
import { externalInstance, fullInstance } from "../api/testing/examples.js";
import type { BuildContext } from "./context.js";
import { credentialsSecret } from "./credentials.js";
import { runtimeEnv, type InstanceRole } from "./runtime-env.js";
import { contextFor, testContext } from "./testing/context.js";

const instanceRoles = roles.filter((r): r is InstanceRole => r !== "simulator");

const userSecrets: Record<string, Record<string, string>> = {
  hooks: { hmac: "first-hmac-secret", internal: "second-hmac-secret" },
  "external-db": { host: "pg.example", database: "waba_full", username: "waba_full", password: "external-password", port: "6432" },
};

/** What the kubelet would put in the container's environment. */
function resolve(ctx: BuildContext, vars: readonly V1EnvVar[]): Record<string, string> {
  const credentials = credentialsSecret(ctx);
  const secretValue = (name: string, key: string): string | undefined => {
    if (name === credentials.metadata?.name) {
      const b64 = credentials.data?.[key];
      return b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8");
    }
    return userSecrets[name]?.[key];
  };
  const out: Record<string, string> = {};
  for (const v of vars) {
    const ref = v.valueFrom?.secretKeyRef;
    const value = ref ? secretValue(ref.name ?? "", ref.key) : v.value;
    if (value === undefined && !ref?.optional) throw new Error(`${v.name}: no value for ${JSON.stringify(ref)}`);
    if (value !== undefined) out[v.name] = value;
  }
  return out;
}

const contexts: [string, BuildContext][] = [
  ["a minimal instance", testContext()],
  ["an instance with every field set", contextFor(fullInstance)],
  ["an instance with an external database", contextFor(externalInstance)],
];

describe("the runtime's environment in the operator's pods", () => {
  it.each(instanceRoles)("gives the %s role exactly the variables env.ts says it reads", (role) => {
    for (const [, ctx] of contexts) {
      const names = runtimeEnv(ctx, role).map((v) => v.name).filter((n) => !webhookSecretPattern.test(n));
      expect(names.sort()).toEqual(envFor(role).sort());
    }
  });

  it("adds one HMAC secret per spec.webhooks[] entry to the webhook role only, from the user's Secret", () => {
    const ctx = contextFor(fullInstance);
    const secrets = runtimeEnv(ctx, "webhook").filter((v) => webhookSecretPattern.test(v.name));
    expect(secrets).toEqual([
      { name: "WABA_WEBHOOK_SECRET_0", valueFrom: { secretKeyRef: { name: "hooks", key: "hmac" } } },
      { name: "WABA_WEBHOOK_SECRET_1", valueFrom: { secretKeyRef: { name: "hooks", key: "internal" } } },
    ]);
    for (const role of instanceRoles.filter((r) => r !== "webhook")) {
      expect(runtimeEnv(ctx, role).some((v) => webhookSecretPattern.test(v.name))).toBe(false);
    }
  });

  it("takes every secret variable from a Secret, never as a literal value", () => {
    for (const [, ctx] of contexts) {
      for (const role of instanceRoles) {
        for (const v of runtimeEnv(ctx, role)) {
          if ((env as Partial<Record<string, { secret: boolean }>>)[v.name]?.secret || webhookSecretPattern.test(v.name)) {
            expect({ name: v.name, value: v.value, ref: !!v.valueFrom?.secretKeyRef }).toEqual({ name: v.name, value: undefined, ref: true });
          }
        }
      }
    }
  });

  it.each(contexts)("is accepted by the runtime's own validation for every role, for %s", (_, ctx) => {
    for (const role of instanceRoles) {
      expect(() => loadEnv(role, resolve(ctx, runtimeEnv(ctx, role)))).not.toThrow();
    }
  });

  it("gives the runtime the instance's values", () => {
    const ctx = contextFor(fullInstance);
    const webapp = loadEnv("webapp", resolve(ctx, runtimeEnv(ctx, "webapp")));
    expect(webapp).toMatchObject({
      WABA_INSTANCE: "full",
      WABA_PHONE_NUMBER: "+966501234567",
      WABA_PHONE_NUMBER_ID: "106540352242922",
      WABA_DATABASE_HOST: "full-db",
      WABA_DATABASE_USER: "waba",
      WABA_DATABASE_SSLMODE: "disable",
      WABA_RATE_LIMIT_PER_SECOND: 175, // the tier's 350/s split between 2 WebApp replicas
      WABA_RATE_LIMIT_BURST: 500,
      WABA_TLS_CERT_FILE: "/etc/waba/tls/tls.crt",
      WABA_TLS_KEY_FILE: "/etc/waba/tls/tls.key",
      WABA_GATEWAY_URL: "ws://waba-simulator.waba-system.svc:8080",
      WABA_ENCRYPTION_KEY: ctx.credentials["encryption-key"],
    });
    const migrate = loadEnv("migrate", resolve(ctx, runtimeEnv(ctx, "migrate")));
    expect(migrate.WABA_SHARDS).toBe(8);
    expect(migrate.WABA_ADMIN_PASSWORD).toBe(ctx.credentials["admin-password"]);
    const webhook = loadEnv("webhook", resolve(ctx, runtimeEnv(ctx, "webhook")));
    expect(webhook.WABA_WEBHOOKS).toEqual([
      { url: "https://hooks.example.com/waba", format: "cloud", events: ["messages", "statuses"], secretEnv: "WABA_WEBHOOK_SECRET_0" },
      { url: "http://receiver.apps.svc.cluster.local/in", format: "onprem", events: [], secretEnv: "WABA_WEBHOOK_SECRET_1" },
    ]);
    expect(webhook.WABA_ACCOUNT_ID).toBe("102290129340398");
  });

  it("derives the Cloud API ids from the number and serves plain HTTP without spec.tls", () => {
    const ctx = testContext();
    const webapp = loadEnv("webapp", resolve(ctx, runtimeEnv(ctx, "webapp")));
    expect(webapp.WABA_PHONE_NUMBER_ID).toBe("15551234567");
    expect(webapp.WABA_TLS_CERT_FILE).toBeUndefined();
    expect(webapp.WABA_RATE_LIMIT_PER_SECOND).toBe(40); // 80/s split between 2 WebApp replicas
  });

  it("reads an external database's connection from the user's Secret, port and sslmode optional", () => {
    const ctx = contextFor(externalInstance);
    const vars = Object.fromEntries(runtimeEnv(ctx, "coreapp").map((v) => [v.name, v.valueFrom?.secretKeyRef]));
    expect(vars).toMatchObject({
      WABA_DATABASE_HOST: { name: "external-db", key: "host" },
      WABA_DATABASE_PORT: { name: "external-db", key: "port", optional: true },
      WABA_DATABASE_NAME: { name: "external-db", key: "database" },
      WABA_DATABASE_USER: { name: "external-db", key: "username" },
      WABA_DATABASE_PASSWORD: { name: "external-db", key: "password" },
      WABA_DATABASE_SSLMODE: { name: "external-db", key: "sslmode", optional: true },
    });
    const coreapp = loadEnv("coreapp", resolve(ctx, runtimeEnv(ctx, "coreapp")));
    expect(coreapp).toMatchObject({ WABA_DATABASE_PORT: 6432, WABA_DATABASE_SSLMODE: "disable", WABA_DATABASE_HOST: "pg.example" });
  });
});
