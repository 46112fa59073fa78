// A work queue with client-go's semantics:
// - a key waiting in the queue is there once, however often it is added (coalescing);
// - a key being processed is never handed out again until done(); adds meanwhile are remembered
//   and the key is queued again at done() (deferred re-add);
// - addAfter delays a key (the earliest of several requested times wins), addRateLimited delays
//   it by its rate limiter's backoff, forget clears that backoff.
// One difference from client-go: after shutDown() get() hands out nothing more, so a stopping
// process only finishes the keys already being processed (drain() waits for those).
import type { Clock, Timer } from "./clock.js";
import type { RateLimiter } from "./rate-limiter.js";

/** What a queue reports; metrics.ts binds it to Prometheus. All durations in seconds. */
export interface WorkQueueMetrics {
  depth(n: number): void;
  added(): void;
  queued(latencySeconds: number): void;
  worked(durationSeconds: number): void;
  retried(): void;
}

const noMetrics: WorkQueueMetrics = { depth() {}, added() {}, queued() {}, worked() {}, retried() {} };

export class WorkQueue<K = string> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  /** When each queued key was added, for the queue latency metric. */
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  private readonly waiting = new Map<K, { readyAt: number; timer: Timer }>();
  private readonly getters: ((key: K | undefined) => void)[] = [];
  private readonly drainers: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly clock: Clock,
    private readonly limiter: RateLimiter<K>,
    private readonly metrics: WorkQueueMetrics = noMetrics,
  ) {}

  /** Queues `key` unless it is already queued; if it is being processed, queues it when done. */
  add(key: K): void {
    if (this.stopping || this.dirty.has(key)) return;
    this.metrics.added();
    this.dirty.add(key);
    this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `ms`; if it is already waiting, the earlier time wins. */
  addAfter(key: K, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) { this.add(key); return; }
    const readyAt = this.clock.now() + ms;
    const existing = this.waiting.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    existing?.timer.cancel();
    const timer = this.clock.setTimer(ms, () => {
      this.waiting.delete(key);
      this.add(key);
    });
    this.waiting.set(key, { readyAt, timer });
  }

  /** Adds `key` after its rate limiter's delay (per-key backoff and the overall bucket). */
  addRateLimited(key: K): void {
    if (this.stopping) return;
    this.metrics.retried();
    this.addAfter(key, this.limiter.when(key));
  }

  /** Clears the backoff of `key`: call it when `key` was processed successfully. */
  forget(key: K): void {
    this.limiter.forget(key);
  }

  /** How many rate-limited retries `key` has had since it was last forgotten. */
  numRequeues(key: K): number {
    return this.limiter.retries(key);
  }

  /** The next key to process; waits for one. Resolves undefined once the queue is shut down. */
  get(): Promise<K | undefined> {
    if (this.stopping) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `key` processed; a re-add that came in meanwhile queues it again now. */
  done(key: K): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.worked((this.clock.now() - started) / 1000);
    if (this.dirty.has(key) && !this.stopping) this.push(key);
    if (this.processing.size === 0) this.drainers.splice(0).forEach((fn) => { fn(); });
  }

  /** Keys waiting to be handed out (not counting delayed or in-process ones). */
  get length(): number {
    return this.queue.length;
  }

  /** Keys currently handed out and not yet done. */
  get inFlight(): number {
    return this.processing.size;
  }

  /** Stops taking and handing out keys; blocked get() calls resolve undefined; delayed adds are dropped. */
  shutDown(): void {
    if (this.stopping) return;
    this.stopping = true;
    for (const { timer } of this.waiting.values()) timer.cancel();
    this.waiting.clear();
    this.getters.splice(0).forEach((resolve) => { resolve(undefined); });
    this.queue.length = 0;
    this.metrics.depth(0);
  }

  /** Shuts down, then resolves when every key handed out has been marked done. */
  async drain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainers.push(resolve));
  }

  private push(key: K): void {
    const getter = this.getters.shift();
    if (getter) { getter(this.take(key)); return; }
    this.queue.push(key);
    this.metrics.depth(this.queue.length);
  }

  private take(key: K): K {
    this.processing.add(key);
    this.dirty.delete(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.queued((this.clock.now() - added) / 1000);
    this.startedAt.set(key, this.clock.now());
    this.metrics.depth(this.queue.length);
    return key;
  }
}
