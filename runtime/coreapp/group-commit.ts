// Group commit: items added while a write is running are written together by the next one, so a
// burst costs a few statements instead of one per item. One write at a time, in order; a failed
// write is retried (with its items first) after `retryMs` unless `write` decides to drop them.
// With `lingerMs`, writes start at most that often (unless a full batch waits): fewer, larger
// statements for work whose latency matters less than the CPU it takes.
export class GroupCommit<T> {
  private queue: T[] = [];
  private running: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lastStart = 0;
  private closed = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly onError: (err: unknown, items: number) => void,
    private readonly maxBatch = 2000,
    private readonly retryMs = 500,
    private readonly lingerMs = 0,
  ) {}

  get size(): number {
    return this.queue.length;
  }

  add(item: T): void {
    if (this.closed) return;
    this.queue.push(item);
    this.kick();
  }

  /** Resolves when everything added so far has been written (or dropped by close). */
  async drained(): Promise<void> {
    while (this.running || (this.queue.length && !this.closed)) {
      if (!this.running) this.kick();
      await (this.running ?? new Promise((resolve) => setTimeout(resolve, 10)));
    }
  }

  /** Stops writing; queued items are dropped (their sources resend them). */
  close(): void {
    this.closed = true;
    this.queue = [];
    clearTimeout(this.retryTimer);
    clearTimeout(this.lingerTimer);
  }

  private kick(): void {
    if (this.running || this.retryTimer || this.closed || !this.queue.length) return;
    const wait = this.lastStart + this.lingerMs - Date.now();
    if (wait > 0 && this.queue.length < this.maxBatch) {
      this.lingerTimer ??= setTimeout(() => {
        this.lingerTimer = undefined;
        this.kick();
      }, wait);
      return;
    }
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.lastStart = Date.now();
    this.running = this.run().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async run(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    try {
      await this.write(batch);
    } catch (err) {
      this.onError(err, batch.length);
      if (this.closed) return;
      this.queue.unshift(...batch);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.retryMs);
    }
  }
}
