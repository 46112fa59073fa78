// What both delivery paths share: POSTing events of one kind to an endpoint (body in its
// format, signed), counting what was delivered, and recording outcomes while the database may be
// away for a moment.
import type { Endpoint } from "./endpoints.js";
import type { WebhookMetrics } from "./metrics.js";
import { eventCount, eventsIn, planPosts, webhookBody, type CloudIdentity, type OutboxRow, type WebhookEvent } from "./payload.js";
import type { PostResult, WebhookSender } from "./sender.js";
import { sleep } from "./coalesce.js";
import { signBody, signatureHeader } from "./signature.js";

export interface PostContext {
  readonly sender: WebhookSender;
  readonly metrics: WebhookMetrics;
  readonly identity: CloudIdentity;
}

/** What POSTing items' events came to. */
export interface Posted<T> {
  /** The items not delivered: some POST carrying their events failed. */
  readonly missed: ReadonlySet<T>;
  /** Why the last failed POST failed. */
  readonly error: string | undefined;
  /** The last POST failed (false when there was none). */
  readonly lastFailed: boolean;
}

/** POSTs the items' events to an endpoint, in the POSTs `planPosts` makes of them. */
export async function postItems<T extends { readonly events: readonly WebhookEvent[] }>(ctx: PostContext, endpoint: Endpoint, items: readonly T[], maxPerPost: number): Promise<Posted<T>> {
  const missed = new Set<T>();
  let error: string | undefined;
  let lastFailed = false;
  for (const post of planPosts(items, maxPerPost)) {
    const result = await postEvents(ctx, endpoint, post.events);
    lastFailed = !result.ok;
    if (!result.ok) {
      error = result.error;
      for (const item of post.items) missed.add(item);
    }
  }
  return { missed, error, lastFailed };
}

/** One signed POST of events of one kind; counted by result. */
async function postEvents(ctx: PostContext, endpoint: Endpoint, events: readonly WebhookEvent[]): Promise<PostResult> {
  const body = Buffer.from(JSON.stringify(webhookBody(endpoint.format, events, ctx.identity)));
  const headers: Record<string, string> = endpoint.secret ? { [signatureHeader]: signBody(body, endpoint.secret) } : {};
  const result = await ctx.sender.post(endpoint.url, body, headers);
  ctx.metrics.requests.inc({ endpoint: endpoint.id, result: result.ok ? "ok" : result.reason });
  return result;
}

/** Counts the events of rows delivered to an endpoint, with their age (row created → delivered). */
export function countDelivered(metrics: WebhookMetrics, endpoint: string, rows: readonly (Pick<OutboxRow, "events"> & { readonly createdAt: Date })[]): void {
  const now = Date.now();
  for (const row of rows) {
    const age = Math.max(0, now - row.createdAt.getTime()) / 1000;
    for (let i = 0; i < eventCount(row); i++) metrics.latency.observe({ endpoint }, age);
  }
  metrics.deliveries.inc({ endpoint, result: "delivered" }, eventsIn(rows));
}

/**
 * Records an outcome, retrying while the database is away (restart, failover): giving up would
 * cost a repeated POST once the claim runs out, so try for as long as the claim lasts.
 */
export async function persist(write: () => Promise<void>, leaseMs: number, stopped: () => boolean): Promise<void> {
  const deadline = Date.now() + leaseMs;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      await write();
      return;
    } catch (err) {
      if (stopped() || Date.now() + delay >= deadline) throw err;
      await sleep(delay);
    }
  }
}
