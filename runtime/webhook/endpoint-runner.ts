// Delivers one endpoint's due deliveries: up to max_concurrent_requests slots (slots.ts), each
// claiming a batch, POSTing it (one POST per kind, signed), and recording the outcome.
import type pg from "pg";
import type { Sealer } from "../crypto/at-rest.js";
import type { Logger } from "../observability/logger.js";
import { afterFailure, type RetryPolicy } from "./backoff.js";
import { claimDue, markDelivered, markFailed, nextDue, type ClaimedDelivery, type Failure } from "./deliveries.js";
import type { Endpoint } from "./endpoints.js";
import { eventsIn, openRow, type WebhookEvent } from "./payload.js";
import { countDelivered, persist, postItems, type PostContext } from "./post.js";
import { Slots } from "./slots.js";

export interface RunnerContext extends PostContext {
  readonly db: pg.Pool;
  readonly sealer: Sealer;
  readonly logger: Logger;
  /** Events per POST, and per claim. */
  readonly batchSize: number;
  /** How long a claim keeps other dispatchers off its rows: longer than a POST can take. */
  readonly leaseMs: number;
  /** The current policy (the settings' backoff can change while running). */
  retryPolicy(): RetryPolicy;
}

interface Item {
  readonly row: ClaimedDelivery;
  readonly events: WebhookEvent[];
}

export class EndpointRunner {
  /** The last POST to this endpoint failed (a runner's or the fast path's); cleared by the next one that succeeds. */
  private lastPostFailed = false;
  private readonly slots: Slots;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly ctx: RunnerContext, private current: Endpoint) {
    this.slots = new Slots(() => this.runSlot(), (err: unknown) => {
      ctx.logger.warn({ endpoint: this.current.id, err: (err as Error).message }, "webhook delivery interrupted; retrying");
    });
  }

  get endpoint(): Endpoint {
    return this.current;
  }

  /** POSTs already under way finish with the configuration they started with. */
  update(endpoint: Endpoint): void {
    this.current = endpoint;
  }

  /**
   * True while the last POST to this endpoint failed. Otherwise new events may take the fast path
   * to it. A backlog of deliveries (a restart, another dispatcher's expired claims) does not hold
   * the fast path back; a failing endpoint does, so its events wait in deliveries with backoff
   * instead of each failing once on the fast path first.
   */
  get failing(): boolean {
    return this.lastPostFailed;
  }

  /** A fast-path POST to this endpoint failed and made pending deliveries: retry them. */
  noteFailure(): void {
    this.lastPostFailed = true;
    this.wake();
  }

  /** Looks for due deliveries now. */
  wake(): void {
    this.slots.wake();
  }

  /** Stops claiming and waits for the POSTs under way (bounded by the request timeout). */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.slots.stop();
  }

  private async runSlot(): Promise<void> {
    while (!this.slots.stopped) {
      const endpoint = this.current;
      const claimed = await claimDue(this.ctx.db, endpoint.id, this.ctx.batchSize, this.ctx.leaseMs);
      if (claimed.length === 0) {
        if (this.slots.takeWake()) continue;
        // Nothing due: come back when the next retry (or another dispatcher's lease) is due.
        const next = await nextDue(this.ctx.db, endpoint.id);
        if (next) this.wakeAt(next.getTime());
        return;
      }
      if (eventsIn(claimed) >= this.ctx.batchSize && this.slots.size < endpoint.maxConcurrentRequests) this.slots.start();
      await this.deliver(endpoint, claimed);
    }
  }

  private async deliver(endpoint: Endpoint, claimed: readonly ClaimedDelivery[]): Promise<void> {
    const items: Item[] = [];
    const unreadable: ClaimedDelivery[] = [];
    for (const row of claimed) {
      try {
        items.push({ row, events: openRow(row, (sealed) => this.ctx.sealer.openJson(sealed)) });
      } catch {
        unreadable.push(row);
      }
    }
    if (unreadable.length) {
      // Retrying cannot help a payload that does not open or parse: a dead letter at once.
      await this.persist(() => markFailed(this.ctx.db, unreadable.map((row) => ({ id: row.id, retryInMs: undefined })), "the event cannot be opened or is not a valid event"));
      this.ctx.metrics.deliveries.inc({ endpoint: endpoint.id, result: "dead" }, eventsIn(unreadable));
      this.ctx.logger.error({ endpoint: endpoint.id, deliveries: unreadable.length }, "unreadable webhook events made dead letters");
    }
    if (!items.length) return;
    const { missed, error = "", lastFailed } = await postItems(this.ctx, endpoint, items, this.ctx.batchSize);
    this.lastPostFailed = lastFailed;
    const delivered = items.filter((i) => !missed.has(i)).map((i) => i.row);
    if (delivered.length) {
      await this.persist(() => markDelivered(this.ctx.db, delivered.map((row) => row.id)));
      countDelivered(this.ctx.metrics, endpoint.id, delivered);
    }
    if (missed.size) await this.recordFailure(endpoint, [...missed].map((i) => i.row), error);
  }

  private async recordFailure(endpoint: Endpoint, rows: readonly ClaimedDelivery[], error: string): Promise<void> {
    const policy = this.ctx.retryPolicy();
    const now = Date.now();
    const outcomes = rows.map((row) => ({ row, next: afterFailure(policy, row.attempts, now - row.createdAt.getTime()) }));
    const failures = outcomes.map(({ row, next }): Failure => ({ id: row.id, retryInMs: next.dead ? undefined : next.delayMs }));
    await this.persist(() => markFailed(this.ctx.db, failures, error));
    const retries = eventsIn(outcomes.filter((o) => !o.next.dead).map((o) => o.row));
    const dead = eventsIn(rows) - retries;
    if (retries) this.ctx.metrics.deliveries.inc({ endpoint: endpoint.id, result: "retry" }, retries);
    if (dead) this.ctx.metrics.deliveries.inc({ endpoint: endpoint.id, result: "dead" }, dead);
    this.ctx.logger.warn({ endpoint: endpoint.id, error, retries, dead }, "webhook POST failed");
  }

  private wakeAt(dueAt: number): void {
    // At least a moment later: the database's clock may run a little behind ours.
    const at = Math.max(dueAt, Date.now() + 25);
    if (this.slots.stopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => { this.timerAt = Number.POSITIVE_INFINITY; this.wake(); }, at - Date.now());
  }

  private persist(write: () => Promise<void>): Promise<void> {
    return persist(write, this.ctx.leaseMs, () => this.slots.stopped);
  }
}
