// The endpoints events are delivered to: the operator-managed subscriptions (WABA_WEBHOOKS, each
// secret in the variable it names) and the API-managed one of the settings row. Each has a stable
// id, the `endpoint` column of webhook_deliveries: "application" for the API-managed one (its
// pending deliveries follow a changed url), "hook-<hash of the url>" for the others.
import { createHash } from "node:crypto";
import type { WebhookSubscription } from "../config/env.js";
import type { EventKind, Format } from "./payload.js";
import type { DispatchSettings } from "./settings.js";

export interface Endpoint {
  readonly id: string;
  readonly url: URL;
  readonly format: Format;
  /** Event kinds it subscribed to. */
  readonly kinds: readonly EventKind[];
  /** HMAC key of X-Hub-Signature-256; absent: POSTs are unsigned (an API webhook without a secret). */
  readonly secret?: Buffer;
  readonly maxConcurrentRequests: number;
}

export const applicationEndpointId = "application";
const allKinds: readonly EventKind[] = ["status", "message"];
const kindOf = { statuses: "status", messages: "message" } as const;

export function operatorEndpointId(url: string): string {
  return `hook-${createHash("sha256").update(url).digest("hex").slice(0, 12)}`;
}

/** The WABA_WEBHOOKS subscriptions as endpoints. Throws naming the entry when one is unusable. */
export function operatorEndpoints(subscriptions: readonly WebhookSubscription[], env: NodeJS.ProcessEnv, maxConcurrentRequests: number): Endpoint[] {
  const seen = new Map<string, number>();
  return subscriptions.map((sub, i) => {
    const id = operatorEndpointId(sub.url);
    const earlier = seen.get(id);
    if (earlier !== undefined) throw new Error(`WABA_WEBHOOKS[${i}]: the same url as WABA_WEBHOOKS[${earlier}]`);
    seen.set(id, i);
    const secret = env[sub.secretEnv];
    if (!secret) throw new Error(`${sub.secretEnv}: is required (named by WABA_WEBHOOKS[${i}])`);
    return {
      id,
      url: new URL(sub.url),
      format: sub.format,
      kinds: sub.events.length ? [...new Set(sub.events.map((e) => kindOf[e]))] : allKinds,
      secret: Buffer.from(secret, "utf8"),
      maxConcurrentRequests,
    };
  });
}

/** The API-managed endpoint of the settings (all events), its secret opened with `open`. */
export function applicationEndpoint(settings: DispatchSettings, open: (sealed: Buffer) => Buffer): Endpoint | undefined {
  const app = settings.application;
  if (!app) return undefined;
  let secret: Buffer | undefined;
  try {
    secret = app.secretSealed ? open(app.secretSealed) : undefined;
  } catch {
    throw new Error("settings 'application': webhooks.secret_sealed cannot be opened with the at-rest key");
  }
  return {
    id: applicationEndpointId,
    url: new URL(app.url),
    format: app.format,
    kinds: allKinds,
    ...(secret ? { secret } : {}),
    maxConcurrentRequests: settings.maxConcurrentRequests,
  };
}

/** (endpoint, kind) pairs in the parallel-array form the fan-out statement takes. */
export function subscriptionPairs(endpoints: readonly Endpoint[]): { endpoints: string[]; kinds: string[] } {
  const pairs = endpoints.flatMap((e) => e.kinds.map((kind) => [e.id, kind] as const));
  return { endpoints: pairs.map(([id]) => id), kinds: pairs.map(([, kind]) => kind) };
}

export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.id === b.id && a.url.href === b.url.href && a.format === b.format && a.maxConcurrentRequests === b.maxConcurrentRequests
    && a.kinds.join() === b.kinds.join() && (a.secret && b.secret ? a.secret.equals(b.secret) : a.secret === b.secret);
}
