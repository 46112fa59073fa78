// Wiring for tests that run the dispatcher: its environment with operator subscriptions, and the
// settings row the WebApp writes for the API-managed webhook.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { instanceEnv } from "../../testing/env.js";
import { settingsChannel } from "../settings.js";

export interface Subscription {
  readonly url: string;
  readonly format: "onprem" | "cloud";
  readonly events?: readonly ("messages" | "statuses")[];
  readonly secret: string;
}

/** A complete webhook-role environment: WABA_WEBHOOKS and a WABA_WEBHOOK_SECRET_<i> per subscription. */
export function webhookEnv(databaseUrl: string, subscriptions: readonly Subscription[], overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const secrets = Object.fromEntries(subscriptions.map((s, i) => [`WABA_WEBHOOK_SECRET_${i}`, s.secret]));
  const hooks = subscriptions.map((s, i) => ({ url: s.url, format: s.format, events: s.events ?? [], secretEnv: `WABA_WEBHOOK_SECRET_${i}` }));
  return instanceEnv(databaseUrl, { WABA_WEBHOOKS: JSON.stringify(hooks), ...secrets, ...overrides });
}

/** Writes the 'application' settings row as PATCH /v1/settings/application would, and NOTIFYs. */
export async function writeApplicationSettings(
  db: pg.Pool,
  sealer: Sealer,
  settings: { url?: string; format?: "onprem" | "cloud"; secret?: string; maxConcurrentRequests?: number; backoffMs?: number; maxBackoffMs?: number },
): Promise<void> {
  const value = {
    webhooks: {
      ...(settings.url ? { url: settings.url } : {}),
      ...(settings.format ? { format: settings.format } : {}),
      ...(settings.secret ? { secret_sealed: sealer.seal(settings.secret).toString("base64") } : {}),
      ...(settings.maxConcurrentRequests ? { max_concurrent_requests: settings.maxConcurrentRequests } : {}),
    },
    ...(settings.backoffMs ? { callback_backoff_delay_ms: settings.backoffMs } : {}),
    ...(settings.maxBackoffMs ? { max_callback_backoff_delay_ms: settings.maxBackoffMs } : {}),
  };
  await db.query(
    `WITH s AS (INSERT INTO settings (key, value) VALUES ('application', $1)
       ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now() RETURNING key)
     SELECT pg_notify($2, key) FROM s`,
    [JSON.stringify(value), settingsChannel],
  );
}
