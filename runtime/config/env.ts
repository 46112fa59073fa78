// The one definition of the runtime's environment: what each role reads, which values are
// secret, their defaults and how they are validated. The runtime validates its environment
// against it at start (a bad or missing value stops the process with a message naming it),
// and the operator fills its pods' environment from it (a test proves they agree).
import { z } from "zod";

export const roles = ["webapp", "coreapp", "webhook", "migrate", "simulator"] as const;
export type Role = (typeof roles)[number];

export interface EnvVar {
  readonly roles: readonly Role[];
  /** Comes from the instance's credentials Secret (or a user's Secret); never logged. */
  readonly secret: boolean;
  readonly description: string;
  readonly schema: z.ZodType;
}

const instanceRoles = ["webapp", "coreapp", "webhook", "migrate"] as const;
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 number such as +15551234567");
const port = z.coerce.number().int().min(1).max(65535);
const key32 = z
  .string()
  .refine((v) => Buffer.from(v, "base64").length === 32, "must be 32 bytes, base64-encoded");
const positiveInt = z.coerce.number().int().positive();

/** A webhook subscription given by the operator (from WabaInstance spec.webhooks[]). */
export const webhookSubscription = z.object({
  url: z.url({ protocol: /^https?$/ }),
  format: z.enum(["onprem", "cloud"]),
  /** Event kinds delivered; empty means all. */
  events: z.array(z.enum(["messages", "statuses"])).default([]),
  /** Name of the environment variable holding this endpoint's HMAC secret. */
  secretEnv: z.string().regex(/^WABA_WEBHOOK_SECRET_\d+$/),
});
export type WebhookSubscription = z.infer<typeof webhookSubscription>;

export const env = {
  WABA_INSTANCE: { roles: instanceRoles, secret: false, description: "Name of the WabaInstance (labels metrics and logs).", schema: z.string().min(1) },
  WABA_PHONE_NUMBER: { roles: instanceRoles, secret: false, description: "The instance's phone number, E.164.", schema: e164 },
  WABA_PHONE_NUMBER_ID: { roles: ["webapp", "webhook"], secret: false, description: "Cloud API phone-number-id accepted in /v{N}/{phone-number-id}/… paths and sent in Cloud-format webhooks.", schema: z.string().regex(/^\d{1,32}$/) },
  WABA_ACCOUNT_ID: { roles: ["webhook"], secret: false, description: "WhatsApp Business Account id sent as entry[].id in Cloud-format webhooks.", schema: z.string().regex(/^\d{1,32}$/) },
  WABA_LOG_LEVEL: { roles: [...roles], secret: false, description: "pino log level.", schema: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") },
  WABA_PORT: { roles: [...roles], secret: false, description: "TCP port of the role's HTTP server (API, health and metrics); 0 picks a free one (tests).", schema: z.coerce.number().int().min(0).max(65535).default(8080) },

  WABA_DATABASE_HOST: { roles: instanceRoles, secret: false, description: "PostgreSQL host.", schema: z.string().min(1) },
  WABA_DATABASE_PORT: { roles: instanceRoles, secret: false, description: "PostgreSQL port.", schema: port.default(5432) },
  WABA_DATABASE_NAME: { roles: instanceRoles, secret: false, description: "PostgreSQL database.", schema: z.string().min(1) },
  WABA_DATABASE_USER: { roles: instanceRoles, secret: false, description: "PostgreSQL user.", schema: z.string().min(1) },
  WABA_DATABASE_PASSWORD: { roles: instanceRoles, secret: true, description: "PostgreSQL password.", schema: z.string().min(1) },
  WABA_DATABASE_SSLMODE: { roles: instanceRoles, secret: false, description: "disable, require or verify-full.", schema: z.enum(["disable", "require", "verify-full"]).default("disable") },

  WABA_ENCRYPTION_KEY: { roles: ["webapp", "coreapp", "webhook"], secret: true, description: "At-rest key for message bodies and media (32 bytes, base64).", schema: key32 },
  WABA_MEDIA_DIR: { roles: ["webapp", "coreapp"], secret: false, description: "Mount path of the media volume.", schema: z.string().startsWith("/").default("/usr/local/wamedia") },

  WABA_TOKEN_SIGNING_KEY: { roles: ["webapp"], secret: true, description: "Key that signs bearer tokens (32 bytes, base64).", schema: key32 },
  WABA_API_KEY: { roles: ["webapp"], secret: true, description: "Key for `Authorization: Apikey …` on health, metrics and stats (12-128 chars).", schema: z.string().min(12).max(128) },
  WABA_RATE_LIMIT_PER_SECOND: { roles: ["webapp"], secret: false, description: "Messages per second this WebApp replica allows on /v1/messages (the operator splits the tier's rate between replicas).", schema: positiveInt },
  WABA_RATE_LIMIT_BURST: { roles: ["webapp"], secret: false, description: "Burst this WebApp replica allows above its rate (its share of the tier's burst).", schema: positiveInt },
  WABA_TLS_CERT_FILE: { roles: ["webapp"], secret: false, description: "PEM certificate; when set (with the key) the API is served over HTTPS.", schema: z.string().startsWith("/").optional() },
  WABA_TLS_KEY_FILE: { roles: ["webapp"], secret: false, description: "PEM private key matching WABA_TLS_CERT_FILE.", schema: z.string().startsWith("/").optional() },

  WABA_SHARDS: { roles: ["migrate"], secret: false, description: "Desired number of CoreApp shards (1, 2, 4, 8, 16 or 32), applied to the shard map.", schema: z.coerce.number().int().refine((n) => [1, 2, 4, 8, 16, 32].includes(n), "must be 1, 2, 4, 8, 16 or 32") },
  WABA_ADMIN_PASSWORD: { roles: ["migrate"], secret: true, description: "Initial password of the admin user (must be changed at first login).", schema: z.string().min(8).max(64) },
  WABA_API_KEY_ID: { roles: ["migrate"], secret: false, description: "Id of the machine clients' API key pair.", schema: z.string().min(8).max(64) },
  WABA_API_KEY_SECRET: { roles: ["migrate"], secret: true, description: "Secret of the machine clients' API key pair (stored only as a slow hash).", schema: z.string().min(16).max(128) },

  WABA_GATEWAY_URL: { roles: ["coreapp", "webapp"], secret: false, description: "WhatsApp network gateway base URL (ws:// or wss://): CoreApps connect to it, the WebApp asks its key directory who is on WhatsApp; the simulator in dev and tests.", schema: z.url({ protocol: /^wss?$/ }) },
  WABA_LEASE_SECONDS: { roles: ["coreapp"], secret: false, description: "Shard lease duration; a spare takes over a shard not renewed for this long.", schema: positiveInt.max(60).default(6) },

  WABA_SIMULATOR_SEED: { roles: ["simulator"], secret: false, description: "Seed from which the simulator derives every device's key pair (same seed, same keys); not a real secret.", schema: z.string().min(1).default("waba-simulator") },
  WABA_SIMULATOR_ABSENT_PREFIXES: { roles: ["simulator"], secret: false, description: "Comma-separated wa_id prefixes that are not on WhatsApp in the simulator (contacts checks, failures).", schema: z.string().default("999").transform((s) => s.split(",").map((p) => p.trim()).filter(Boolean)).pipe(z.array(z.string().regex(/^\d+$/, "must be digits separated by commas"))) },
  WABA_SIMULATOR_DELIVERED_DELAY_MS: { roles: ["simulator"], secret: false, description: "Simulator: delay from accepting a message to its delivered receipt.", schema: z.coerce.number().int().min(0).default(20) },
  WABA_SIMULATOR_READ_DELAY_MS: { roles: ["simulator"], secret: false, description: "Simulator: delay from the delivered receipt to the read receipt.", schema: z.coerce.number().int().min(0).default(100) },
  WABA_SIMULATOR_READ_PROBABILITY: { roles: ["simulator"], secret: false, description: "Simulator: share of delivered messages that are read (0 to 1).", schema: z.coerce.number().min(0).max(1).default(1) },
  WABA_SIMULATOR_RECORD: { roles: ["simulator"], secret: false, description: "Simulator: full keeps every delivered message for inspection, counters only counts (benchmarks).", schema: z.enum(["full", "counters"]).default("full") },

  WABA_WEBHOOK_BATCH_SIZE: { roles: ["webhook"], secret: false, description: "Most events of one kind sent in one webhook POST (the on-prem and Cloud formats carry arrays); 1 sends one event per POST.", schema: positiveInt.max(1000).default(100) },
  WABA_WEBHOOK_TIMEOUT_MS: { roles: ["webhook"], secret: false, description: "A webhook POST without a complete response within this time fails and is retried.", schema: positiveInt.max(120_000).default(10_000) },
  WABA_WEBHOOK_MAX_ATTEMPTS: { roles: ["webhook"], secret: false, description: "Attempts after which an undelivered webhook event becomes a dead letter; 0 means no limit (the age limit decides).", schema: z.coerce.number().int().min(0).default(0) },
  WABA_WEBHOOK_MAX_AGE_SECONDS: { roles: ["webhook"], secret: false, description: "Age after which an undelivered webhook event becomes a dead letter (7 days, as the Cloud API retries); dead letters are then kept as long again for inspection.", schema: positiveInt.default(604_800) },
  WABA_WEBHOOKS: { roles: ["webhook"], secret: false, description: "JSON array of operator-managed subscriptions {url, format, events, secretEnv}.", schema: z.string().default("[]").transform((s, ctx) => {
    try {
      return z.array(webhookSubscription).parse(JSON.parse(s));
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `must be a JSON array of {url, format, events, secretEnv}: ${err instanceof Error ? err.message.slice(0, 200) : "invalid"}` });
      return z.NEVER;
    }
  }) },
} as const satisfies Record<string, EnvVar>;

export type EnvName = keyof typeof env;
/** Per-endpoint HMAC secrets named by WABA_WEBHOOKS[].secretEnv. */
export const webhookSecretPattern = /^WABA_WEBHOOK_SECRET_\d+$/;

/** Names of the variables a role reads. */
export function envFor(role: Role): EnvName[] {
  return (Object.keys(env) as EnvName[]).filter((name) => (env[name].roles as readonly Role[]).includes(role));
}

type Parsed<N extends EnvName> = z.output<(typeof env)[N]["schema"]>;
/** The names a role reads, at the type level. */
export type NamesFor<R extends Role> = {
  [K in EnvName]: R extends (typeof env)[K]["roles"][number] ? K : never;
}[EnvName];
export type RoleConfig<R extends Role> = { readonly [K in NamesFor<R>]: Parsed<K> };

export class ConfigError extends Error {}

/**
 * Validates the variables of a role and returns them typed. Messages name the variable and never
 * echo a value. Throws one ConfigError listing every problem at once. For the webhook role, every
 * secret that WABA_WEBHOOKS names must be set too.
 */
export function loadEnv<R extends Role>(role: R, source: NodeJS.ProcessEnv = process.env): RoleConfig<R> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const name of envFor(role)) {
    const raw = source[name] === "" ? undefined : source[name];
    const result = env[name].schema.safeParse(raw);
    if (result.success) out[name] = result.data;
    else problems.push(`${name}: ${raw === undefined ? "is required" : result.error.issues.map((i) => i.message).join("; ")}`);
  }
  const hooks = out.WABA_WEBHOOKS as WebhookSubscription[] | undefined;
  for (const hook of hooks ?? []) {
    if (!source[hook.secretEnv]) problems.push(`${hook.secretEnv}: is required (named by WABA_WEBHOOKS for ${hook.url})`);
  }
  if (problems.length) throw new ConfigError(`invalid environment for role ${role}:\n  ${problems.join("\n  ")}`);
  return out as RoleConfig<R>;
}
