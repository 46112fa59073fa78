// The environment of the runtime's containers: exactly the variables runtime/config/env.ts says a
// role reads (plus one WABA_WEBHOOK_SECRET_<n> per spec.webhooks[] entry for the webhook role).
// Secrets always come through secretKeyRef, never as literal values.
import { createHash } from "node:crypto";
import type { V1EnvVar } from "@kubernetes/client-node";
import type { z } from "zod";
import { env, envFor, type EnvName, type Role, type WebhookSubscription } from "../../runtime/config/env.js";
import { webappReplicas, type BuildContext } from "./context.js";
import { credentialKeys, type CredentialKey } from "./credentials.js";
import { childName } from "./metadata.js";

export type InstanceRole = Exclude<Role, "simulator">;

type Source = string | { readonly secret: string; readonly key: string; readonly optional?: boolean };

/** The runtime's default for a variable, as env.ts defines it ("" when it has none: unset). */
function defaultOf(name: EnvName): string {
  const parsed = env[name].schema.safeParse(undefined);
  const value: unknown = parsed.success ? parsed.data : undefined;
  return typeof value === "string" || typeof value === "number" ? String(value) : "";
}

/** Variables the runtime cannot do without: the operator must give each a source. */
type Mandatory = { [K in EnvName]: undefined extends z.input<(typeof env)[K]["schema"]> ? never : K }[EnvName];

export const runtimePort = Number(defaultOf("WABA_PORT"));
export const mediaDir = defaultOf("WABA_MEDIA_DIR");
export const tlsDir = "/etc/waba/tls";
export const managedDatabase = { name: "waba", user: "waba", port: 5432 } as const;

/** Keys of the external database Secret (spec.database.external.secretRef). */
export const externalDatabaseKeys = { host: "host", port: "port", database: "database", username: "username", password: "password", sslmode: "sslmode" } as const;

function databaseSources(ctx: BuildContext): Record<"host" | "port" | "name" | "user" | "password" | "sslmode", Source> {
  const external = ctx.spec.database.external;
  if (external) {
    const from = (key: string, optional = false): Source => ({ secret: external.secretRef.name, key, ...(optional ? { optional } : {}) });
    return {
      host: from(externalDatabaseKeys.host),
      port: from(externalDatabaseKeys.port, true),
      name: from(externalDatabaseKeys.database),
      user: from(externalDatabaseKeys.username),
      password: from(externalDatabaseKeys.password),
      sslmode: from(externalDatabaseKeys.sslmode, true),
    };
  }
  return {
    host: childName(ctx.owner.name, "database"),
    port: String(managedDatabase.port),
    name: managedDatabase.name,
    user: managedDatabase.user,
    password: { secret: childName(ctx.owner.name, "credentials"), key: "database-password" },
    sslmode: "disable",
  };
}

/** The operator-managed subscriptions WABA_WEBHOOKS carries, one per spec.webhooks[] entry. */
export function webhookSubscriptions(ctx: BuildContext): WebhookSubscription[] {
  return (ctx.spec.webhooks ?? []).map((hook, i) => ({ url: hook.url, format: hook.format, events: [...hook.events], secretEnv: `WABA_WEBHOOK_SECRET_${i}` }));
}

/**
 * Where variables' values come from. Every variable without a default must be here (a new one in
 * env.ts fails to compile until it is); the others get the runtime's default unless listed.
 */
function sources(ctx: BuildContext): Record<Mandatory, Source> & Partial<Record<EnvName, Source>> {
  const credential = (key: CredentialKey): Source => ({ secret: childName(ctx.owner.name, "credentials"), key });
  const db = databaseSources(ctx);
  const digits = ctx.spec.phoneNumber.replace(/\D/g, "");
  const tls = ctx.spec.tls !== undefined;
  return {
    WABA_INSTANCE: ctx.owner.name,
    WABA_PHONE_NUMBER: ctx.spec.phoneNumber,
    WABA_PHONE_NUMBER_ID: ctx.spec.cloudApi?.phoneNumberId ?? digits,
    WABA_ACCOUNT_ID: ctx.spec.cloudApi?.businessAccountId ?? digits,
    WABA_LOG_LEVEL: ctx.config.runtimeLogLevel,
    WABA_PORT: String(runtimePort),
    WABA_DATABASE_HOST: db.host,
    WABA_DATABASE_PORT: db.port,
    WABA_DATABASE_NAME: db.name,
    WABA_DATABASE_USER: db.user,
    WABA_DATABASE_PASSWORD: db.password,
    WABA_DATABASE_SSLMODE: db.sslmode,
    WABA_ENCRYPTION_KEY: credential("encryption-key"),
    WABA_MEDIA_DIR: mediaDir,
    WABA_TOKEN_SIGNING_KEY: credential("token-signing-key"),
    WABA_API_KEY: credential("api-key"),
    // Each WebApp replica limits on its own, so each gets its share of the tier's rate.
    WABA_RATE_LIMIT_PER_SECOND: String(Math.ceil(ctx.tier.rateLimit.perSecond / webappReplicas)),
    WABA_RATE_LIMIT_BURST: String(Math.ceil(ctx.tier.rateLimit.burst / webappReplicas)),
    // Empty means unset to the runtime: plain HTTP.
    WABA_TLS_CERT_FILE: tls ? `${tlsDir}/tls.crt` : "",
    WABA_TLS_KEY_FILE: tls ? `${tlsDir}/tls.key` : "",
    WABA_SHARDS: String(ctx.shards.shards),
    WABA_ADMIN_PASSWORD: credential("admin-password"),
    WABA_API_KEY_ID: credential("api-key-id"),
    WABA_API_KEY_SECRET: credential("api-key-secret"),
    WABA_GATEWAY_URL: ctx.config.gatewayUrl,
    WABA_WEBHOOKS: JSON.stringify(webhookSubscriptions(ctx)),
  };
}

function envVar(name: string, source: Source): V1EnvVar {
  if (typeof source === "string") return { name, value: source };
  return { name, valueFrom: { secretKeyRef: { name: source.secret, key: source.key, ...(source.optional ? { optional: true } : {}) } } };
}

/** The container environment of a role. */
export function runtimeEnv(ctx: BuildContext, role: InstanceRole): V1EnvVar[] {
  const all = sources(ctx);
  const vars = envFor(role).map((name) => envVar(name, all[name] ?? defaultOf(name)));
  if (role !== "webhook") return vars;
  const secrets = (ctx.spec.webhooks ?? []).map((hook, i) => envVar(`WABA_WEBHOOK_SECRET_${i}`, { secret: hook.secretRef.name, key: hook.secretRef.key }));
  return [...vars, ...secrets];
}

/**
 * Hashes of the content behind an environment's secretKeyRefs: the credentials by value, user
 * Secrets by the hashes the I/O side passed in (absent until read). Goes into the inputs hash.
 */
export function secretInputs(ctx: BuildContext, vars: readonly V1EnvVar[], extraSecrets: readonly string[] = []): Record<string, string> {
  const credentials = childName(ctx.owner.name, "credentials");
  const out: Record<string, string> = {};
  for (const ref of vars.map((v) => v.valueFrom?.secretKeyRef).filter((r) => r !== undefined)) {
    const name = ref.name ?? "";
    if (name === credentials && (credentialKeys as readonly string[]).includes(ref.key)) {
      out[`${name}/${ref.key}`] = createHash("sha256").update(ctx.credentials[ref.key as CredentialKey]).digest("hex");
    } else out[name] = ctx.inputs.secretHashes?.[name] ?? "";
  }
  for (const name of extraSecrets) out[name] = ctx.inputs.secretHashes?.[name] ?? "";
  return out;
}
