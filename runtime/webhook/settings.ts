// The dispatcher's part of the 'application' settings row (PATCH /v1/settings/application, written
// by the WebApp): the API-managed webhook and the retry timing. Missing keys mean the defaults; a
// row that does not validate changes nothing (the caller keeps what it had) and the error names
// the field.
import type pg from "pg";
import { z } from "zod";
import { defaultBackoff } from "./backoff.js";
import type { Format } from "./payload.js";

/** NOTIFYed (payload: the key) by writers of the settings table; a hint, the dispatcher also polls. */
export const settingsChannel = "waba_settings";
export const defaultMaxConcurrentRequests = 6;

const blankIsAbsent = (v: unknown) => (v === "" || v === null ? undefined : v);
const applicationSettings = z.looseObject({
  webhooks: z.looseObject({
    url: z.preprocess(blankIsAbsent, z.url({ protocol: /^https?$/ }).optional()),
    format: z.preprocess(blankIsAbsent, z.enum(["onprem", "cloud"]).optional()),
    secret_sealed: z.preprocess(blankIsAbsent, z.base64().optional()),
    max_concurrent_requests: z.union([z.literal(6), z.literal(12), z.literal(18), z.literal(24)]).optional(),
  }).optional(),
  callback_backoff_delay_ms: z.number().int().positive().optional(),
  max_callback_backoff_delay_ms: z.number().int().positive().optional(),
});

export interface DispatchSettings {
  /** The API-managed webhook, when a url is set. */
  readonly application?: { readonly url: string; readonly format: Format; readonly secretSealed?: Buffer };
  readonly maxConcurrentRequests: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
}

export class SettingsError extends Error {}

/** The settings of a row value (undefined: no row). Throws a SettingsError naming the fields. */
export function parseDispatchSettings(value: unknown): DispatchSettings {
  const parsed = applicationSettings.safeParse(value ?? {});
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "(row)"}: ${i.message}`);
    throw new SettingsError(`settings 'application' is invalid: ${fields.join("; ")}`);
  }
  const { webhooks, callback_backoff_delay_ms: base, max_callback_backoff_delay_ms: cap } = parsed.data;
  const baseMs = base ?? defaultBackoff.baseMs;
  return {
    ...(webhooks?.url ? {
      application: {
        url: webhooks.url,
        format: webhooks.format ?? "onprem",
        ...(webhooks.secret_sealed ? { secretSealed: Buffer.from(webhooks.secret_sealed, "base64") } : {}),
      },
    } : {}),
    maxConcurrentRequests: webhooks?.max_concurrent_requests ?? defaultMaxConcurrentRequests,
    backoff: { baseMs, capMs: Math.max(baseMs, cap ?? defaultBackoff.capMs) },
  };
}

export async function readDispatchSettings(db: pg.Pool): Promise<DispatchSettings> {
  const { rows } = await db.query<{ value: unknown }>("SELECT value FROM settings WHERE key = 'application'");
  return parseDispatchSettings(rows[0]?.value);
}
