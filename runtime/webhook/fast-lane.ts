// The fast path for new events while every endpoint is keeping up: claim a batch of new outbox
// events (a lease on the outbox rows), POST them to every subscribed endpoint, and delete them
// once all took them. No delivery rows are made, so an event costs its insert, one HOT update and
// its delete instead of also a delivery's insert, claim and delete (about half the database work
// of the dispatcher). When a POST fails, the batch's failed events become ordinary fanned-out
// events (deliveries: `delivered` where a POST succeeded, a failed first attempt elsewhere) and
// the endpoint's runner retries them with backoff; the dispatcher then uses the ordinary fan-out
// until a POST to that endpoint succeeds again. A dispatcher that dies mid-POST loses nothing: the claim
// runs out and the events are claimed again (at-least-once).
import { afterFailure } from "./backoff.js";
import { markFailed, type Failure } from "./deliveries.js";
import type { Endpoint } from "./endpoints.js";
import type { RunnerContext } from "./endpoint-runner.js";
import { claimFresh, deleteEvents, fanOutAfterFailure, type FreshEvent, type FreshOutcome } from "./outbox.js";
import { eventsIn, openRow, type EventKind, type WebhookEvent } from "./payload.js";
import { countDelivered, persist, postItems } from "./post.js";
import { Slots } from "./slots.js";

interface Item {
  readonly row: FreshEvent;
  /** undefined: the payload does not open or parse. */
  readonly events: WebhookEvent[] | undefined;
}

/**
 * How far behind the highest id it claimed a claim starts. Deleted events stay in the index until
 * a vacuum (up to a minute's worth: ~180,000 at 1000 messages/s), and the claim visits the heap
 * row of each one it passes, so it costs in proportion to this distance: once vacuum has freed
 * space across the table, consecutive ids sit on different pages. At 10,000 ids (3 s of events at
 * 1000 messages/s) a claim grew from ~260 to ~840 buffer hits and 0.5 to 3.8 ms over a 300-s
 * benchmark run; at 1,000 it stayed at ~250 hits and 0.3 ms. Events up to this far behind
 * commit late (another writer's transaction, open for milliseconds) and are still claimed at
 * once; older ones (a claim that ran out, a transaction that stalled) wait for the next full look
 * (lookBehind, every pollMs).
 */
const behindIds = 1_000n;

export class FastLane {
  private readonly slots: Slots;
  private highest = 0n;
  private fromStart = true;

  constructor(
    private readonly ctx: RunnerContext,
    /** The endpoints now (none while one is failing: then the fast path is not used). */
    private readonly endpoints: () => readonly Endpoint[],
    /** An endpoint's POST failed: its runner has deliveries to retry. */
    private readonly onFailure: (endpointId: string) => void,
  ) {
    this.slots = new Slots(() => this.runSlot(), (err: unknown) => {
      ctx.logger.warn({ err: (err as Error).message }, "webhook fast path interrupted; its events are claimed again later");
    });
  }

  /** Claims and delivers new events now. */
  wake(): void {
    this.slots.wake();
  }

  /** The next claim looks at the whole outbox, for events whose claim ran out (the dispatcher polls this). */
  lookBehind(): void {
    this.fromStart = true;
  }

  async stop(): Promise<void> {
    await this.slots.stop();
  }

  private async runSlot(): Promise<void> {
    while (!this.slots.stopped) {
      const endpoints = this.endpoints();
      if (endpoints.length === 0) return;
      const after = this.fromStart || this.highest < behindIds ? 0n : this.highest - behindIds;
      this.fromStart = false;
      const claimed = await claimFresh(this.ctx.db, this.ctx.batchSize, this.ctx.leaseMs, after);
      const last = claimed.at(-1); // claims come oldest first
      if (last && BigInt(last.id) > this.highest) this.highest = BigInt(last.id);
      if (claimed.length === 0) {
        if (this.slots.takeWake()) continue;
        return;
      }
      const events = eventsIn(claimed);
      this.ctx.metrics.fannedOut.inc(events);
      const maxSlots = Math.min(...endpoints.map((e) => e.maxConcurrentRequests));
      if (events >= this.ctx.batchSize && this.slots.size < maxSlots) this.slots.start();
      await this.deliver(endpoints, claimed);
    }
  }

  private async deliver(endpoints: readonly Endpoint[], claimed: readonly FreshEvent[]): Promise<void> {
    const items: Item[] = claimed.map((row) => {
      try {
        return { row, events: openRow(row, (sealed) => this.ctx.sealer.openJson(sealed)) };
      } catch {
        return { row, events: undefined };
      }
    });
    // Per endpoint, the rows it subscribed to and which of them it took (every POST of their events succeeded).
    const results = await Promise.all(endpoints.map(async (endpoint) => {
      const mine = items.filter((i) => endpoint.kinds.includes(i.row.kind as EventKind));
      const readable = mine.filter((i): i is Item & { events: WebhookEvent[] } => i.events !== undefined);
      const { missed, error = "the event cannot be opened or is not a valid event" } = await postItems(this.ctx, endpoint, readable, this.ctx.batchSize);
      const took = new Set(readable.filter((i) => !missed.has(i)).map((i) => i.row.id));
      return { endpoint, mine, took, error };
    }));
    const failedIds = new Set(results.flatMap((r) => r.mine.filter((i) => !r.took.has(i.row.id)).map((i) => i.row.id)));
    const done = claimed.filter((row) => !failedIds.has(row.id));
    if (done.length) await this.persist(() => deleteEvents(this.ctx.db, done.map((row) => row.id)));
    if (failedIds.size) await this.fail(results, failedIds);
    for (const r of results) countDelivered(this.ctx.metrics, r.endpoint.id, r.mine.filter((i) => r.took.has(i.row.id)).map((i) => i.row));
  }

  /** The failed events become ordinary fanned-out events, their failed attempt recorded as a runner's would be. */
  private async fail(results: readonly { endpoint: Endpoint; mine: readonly Item[]; took: ReadonlySet<string>; error: string }[], failedIds: ReadonlySet<string>): Promise<void> {
    const outcomes: FreshOutcome[] = results.flatMap((r) => r.mine.filter((i) => failedIds.has(i.row.id))
      .map((i) => ({ eventId: i.row.id, endpoint: r.endpoint.id, delivered: r.took.has(i.row.id) })));
    let made: { id: string; eventId: string; endpoint: string }[] = [];
    await this.persist(async () => { made = await fanOutAfterFailure(this.ctx.db, outcomes, this.ctx.leaseMs); });
    const byId = new Map(results.flatMap((r) => r.mine.map((i) => [i.row.id, i] as const)));
    const policy = this.ctx.retryPolicy();
    const now = Date.now();
    for (const r of results) {
      // None when another dispatcher fanned these events out meanwhile: they are its to retry.
      const pending = made.filter((d) => d.endpoint === r.endpoint.id);
      if (pending.length === 0) continue;
      const failures = pending.map((d): Failure & { events: number | null } => {
        const item = byId.get(d.eventId);
        const next = item?.events === undefined ? { dead: true as const } : afterFailure(policy, 1, now - item.row.createdAt.getTime());
        return { id: d.id, retryInMs: next.dead ? undefined : next.delayMs, events: item?.row.events ?? null };
      });
      await this.persist(() => markFailed(this.ctx.db, failures, r.error));
      const retries = eventsIn(failures.filter((f) => f.retryInMs !== undefined));
      const dead = eventsIn(failures) - retries;
      if (retries) this.ctx.metrics.deliveries.inc({ endpoint: r.endpoint.id, result: "retry" }, retries);
      if (dead) this.ctx.metrics.deliveries.inc({ endpoint: r.endpoint.id, result: "dead" }, dead);
      this.ctx.logger.warn({ endpoint: r.endpoint.id, error: r.error, retries, dead }, "webhook POST failed");
      this.onFailure(r.endpoint.id);
    }
  }

  private persist(write: () => Promise<void>): Promise<void> {
    return persist(write, this.ctx.leaseMs, () => this.slots.stopped);
  }
}
