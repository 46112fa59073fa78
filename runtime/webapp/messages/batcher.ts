// Group commit: concurrent submissions share one database round trip. A batch leaves when it
// holds `maxRows` items or when its oldest item has waited `maxWaitMs`; at most `maxInFlight`
// batches run at once, and items arriving meanwhile gather into the next batch (so batches grow
// with load instead of queueing round trips). The flush function answers one result per item,
// in order; if it throws, every item of that batch gets the error.

export interface BatcherOptions {
  readonly maxRows: number;
  readonly maxWaitMs: number;
  readonly maxInFlight: number;
}

interface Pending<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (err: unknown) => void;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => { clearTimeout(handle as NodeJS.Timeout); },
};

export class Batcher<T, R> {
  private queue: Pending<T, R>[] = [];
  private inFlight = 0;
  private timer: unknown;
  /** The oldest queued item has waited long enough: flush as soon as a slot is free. */
  private due = false;
  private closed = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly flush: (items: T[]) => Promise<R[]>,
    private readonly options: BatcherOptions,
    private readonly timers: Timers = realTimers,
  ) {}

  submit(item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error("the batcher is closed"));
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  /** Flushes what is queued, waits for every batch, then refuses new items. */
  async close(): Promise<void> {
    this.closed = true;
    this.due = true;
    this.drain();
    if (this.inFlight > 0 || this.queue.length > 0) await new Promise<void>((resolve) => { this.idle.push(resolve); });
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inFlight < this.options.maxInFlight && (this.due || this.queue.length >= this.options.maxRows)) {
      const batch = this.queue.splice(0, this.options.maxRows);
      if (this.queue.length === 0) this.due = false;
      this.run(batch);
    }
    if (this.queue.length > 0 && !this.due) {
      if (this.timer === undefined) this.timer = this.timers.setTimeout(() => { this.onTimer(); }, this.options.maxWaitMs);
    } else if (this.timer !== undefined) {
      this.timers.clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.inFlight === 0 && this.queue.length === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private onTimer(): void {
    this.timer = undefined;
    this.due = true;
    this.drain();
  }

  private run(batch: Pending<T, R>[]): void {
    this.inFlight += 1;
    this.flush(batch.map((p) => p.item))
      .then(
        (results) => {
          if (results.length !== batch.length) throw new Error(`flush answered ${results.length} results for ${batch.length} items`);
          batch.forEach((p, i) => { p.resolve(results[i] as R); });
        },
      )
      .catch((err: unknown) => { for (const p of batch) p.reject(err); })
      .finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
  }
}
