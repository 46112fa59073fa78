// Which accept batches NOTIFY the CoreApps. Every committing transaction that NOTIFYs takes one
// database-wide lock and holds it through its commit, so notifying commits run one at a time; at
// 1000 messages/s about 230 batches a second each NOTIFYed, and a committer that lost its CPU
// while holding the lock stalled the others (waits of 50-60 ms in PostgreSQL's log). A CoreApp
// loads new messages at most every 10 ms anyway (coreapp/sender.ts), so waking it more often
// gains nothing: a batch NOTIFYs only when `everyMs` have passed since the last NOTIFY, and then
// for every bucket written since. Buckets committed without one are NOTIFYed by the next batch
// that does or, if none comes, by a NOTIFY of their own twice `everyMs` after the last (at
// exactly `everyMs` it raced the next batch and added ~90 transactions/s at 1000 messages/s).
import { performance } from "node:perf_hooks";
import { realTimers, type Timers } from "./batcher.js";

/** The CoreApp's loadLingerMs (coreapp/sender.ts). */
const wakeEveryMs = 10;

export class WakeSchedule {
  private lastAt = Number.NEGATIVE_INFINITY;
  /** Buckets of committed batches that no NOTIFY has announced yet. */
  private readonly unannounced = new Set<number>();
  private timer: unknown;

  constructor(
    /** A NOTIFY in a transaction of its own (the trailing one). */
    private readonly notifyAlone: (buckets: number[]) => Promise<void>,
    private readonly everyMs = wakeEveryMs,
    private readonly timers: Timers = realTimers,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The buckets a batch about to be written NOTIFYs: none, or its own and all unannounced ones. */
  take(buckets: Iterable<number>): number[] {
    const now = this.now();
    if (now - this.lastAt < this.everyMs) return [];
    this.lastAt = now;
    const all = new Set(this.unannounced);
    for (const b of buckets) all.add(b);
    this.unannounced.clear();
    return [...all];
  }

  /** A batch committed without a NOTIFY, or one that was to NOTIFY failed: announce these later. */
  owe(buckets: Iterable<number>): void {
    for (const b of buckets) this.unannounced.add(b);
    if (this.unannounced.size > 0 && this.timer === undefined) this.schedule();
  }

  /** Announces what is owed now (on close). */
  async flush(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const buckets = [...this.unannounced];
    this.unannounced.clear();
    if (buckets.length > 0) await this.notifyAlone(buckets);
  }

  private schedule(): void {
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      if (this.unannounced.size === 0) return;
      const buckets = this.take([]);
      if (buckets.length === 0) { this.schedule(); return; } // a batch NOTIFYed meanwhile; more came after it
      // If it fails the CoreApps' fallback poll still finds the messages; retrying could only hammer
      // a database that is down.
      this.notifyAlone(buckets).catch(() => undefined);
    }, Math.max(0, this.lastAt + 2 * this.everyMs - this.now()));
  }
}
