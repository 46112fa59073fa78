// The application settings (settings row 'application', read by the webhook dispatcher): what a
// PATCH may set, how it merges into the stored value, and the view answered to GET. The webhook
// secret is stored sealed with the instance key and never answered. Pure functions.
import { z } from "zod";
import { ApiError } from "../errors.js";

const loopbackHosts = new Set(["127.0.0.1", "[::1]", "localhost"]);
/** HTTPS; plain HTTP only to a loopback address (a receiver beside the instance, dev and tests). */
const webhookUrl = z.url({ protocol: /^https?$/ }).max(2048).refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || loopbackHosts.has(url.hostname);
}, "must be an https:// URL (http:// only for a loopback address)");

export const settingsPatch = z.strictObject({
  webhooks: z.strictObject({
    /** "" removes the webhook. */
    url: z.union([z.literal(""), webhookUrl]).optional(),
    format: z.enum(["onprem", "cloud"]).optional(),
    /** HMAC secret for X-Hub-Signature-256; "" removes it. */
    secret: z.union([z.literal(""), z.string().min(8).max(256)]).optional(),
    max_concurrent_requests: z.union([z.literal(6), z.literal(12), z.literal(18), z.literal(24)]).optional(),
  }).optional(),
  callback_persist: z.boolean().optional(),
  callback_backoff_delay_ms: z.number().int().min(0).max(900_000).optional(),
  max_callback_backoff_delay_ms: z.number().int().min(1000).max(7 * 24 * 3600 * 1000).optional(),
  media: z.strictObject({
    auto_download: z.array(z.enum(["audio", "document", "image", "video", "voice", "sticker"])).max(6),
  }).optional(),
  heartbeat_interval: z.number().int().min(1).max(300).optional(),
  unhealthy_interval: z.number().int().min(3).max(3600).optional(),
});
export type SettingsPatch = z.output<typeof settingsPatch>;

/** The stored row's value (runtime-common's contract). */
export interface StoredSettings {
  webhooks?: { url?: string; format?: "onprem" | "cloud"; secret_sealed?: string; max_concurrent_requests?: 6 | 12 | 18 | 24 };
  callback_persist?: boolean;
  callback_backoff_delay_ms?: number;
  max_callback_backoff_delay_ms?: number;
  media?: { auto_download: string[] };
  heartbeat_interval?: number;
  unhealthy_interval?: number;
}

export const defaults = {
  callback_persist: true,
  callback_backoff_delay_ms: 3000,
  max_callback_backoff_delay_ms: 900_000,
  media: { auto_download: [] as string[] },
  heartbeat_interval: 5,
  unhealthy_interval: 30,
};

/** Merges a patch into the stored value; `seal` turns a secret into its stored (sealed, base64) form. */
export function applyPatch(stored: StoredSettings, patch: SettingsPatch, seal: (secret: string) => string): StoredSettings {
  const next: StoredSettings = { ...stored };
  for (const key of ["callback_persist", "callback_backoff_delay_ms", "max_callback_backoff_delay_ms", "media", "heartbeat_interval", "unhealthy_interval"] as const) {
    if (patch[key] !== undefined) (next as Record<string, unknown>)[key] = patch[key];
  }
  if (patch.webhooks) {
    const hooks = { ...stored.webhooks };
    const { url, format, secret, max_concurrent_requests } = patch.webhooks;
    if (url !== undefined) { if (url) hooks.url = url; else delete hooks.url; }
    if (format !== undefined) hooks.format = format;
    if (secret !== undefined) { if (secret) hooks.secret_sealed = seal(secret); else delete hooks.secret_sealed; }
    if (max_concurrent_requests !== undefined) hooks.max_concurrent_requests = max_concurrent_requests;
    next.webhooks = hooks;
  }
  const base = next.callback_backoff_delay_ms ?? defaults.callback_backoff_delay_ms;
  const max = next.max_callback_backoff_delay_ms ?? defaults.max_callback_backoff_delay_ms;
  if (max < base) throw new ApiError("invalidParameter", "max_callback_backoff_delay_ms: must be at least callback_backoff_delay_ms");
  return next;
}

/** What GET answers: defaults filled in, the secret left out. */
export function settingsView(stored: StoredSettings): Record<string, unknown> {
  const { secret_sealed: _secret, ...webhooks } = stored.webhooks ?? {};
  return { ...defaults, ...stored, webhooks };
}

/** The stored value as a patch with the secret in clear (for an encrypted backup). */
export function asPatch(stored: StoredSettings, open: (sealed: string) => string): SettingsPatch {
  const { secret_sealed: sealed, ...webhooks } = stored.webhooks ?? {};
  return { ...stored, webhooks: { ...webhooks, ...(sealed ? { secret: open(sealed) } : {}) } } as SettingsPatch;
}
