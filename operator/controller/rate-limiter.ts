// Rate limiters with client-go's semantics: a per-key exponential limiter for retries, an overall
// token bucket, and the max of both (controller-runtime's default for work queues).
import type { Clock } from "./clock.js";
import { sleep } from "./clock.js";

/** Decides how long a key waits before it is retried. */
export interface RateLimiter<K> {
  /** Delay in ms for the next retry of `key`; counts one more failure for it. */
  when(key: K): number;
  /** Forgets the failures of `key` (it succeeded). */
  forget(key: K): void;
  /** How many times `key` has been retried since it was last forgotten. */
  retries(key: K): number;
}

/** Doubles the delay of each key on every failure: base, 2·base, 4·base … up to max. */
export class ItemExponentialRateLimiter<K> implements RateLimiter<K> {
  private readonly failures = new Map<K, number>();

  /** Defaults are controller-runtime's: 5 ms doubling to 1000 s. */
  constructor(private readonly baseMs = 5, private readonly maxMs = 1_000_000) {}

  when(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    // 2 ** n overflows to Infinity long after the cap is reached, so Math.min keeps it finite.
    return Math.min(this.maxMs, this.baseMs * 2 ** n);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/**
 * A token bucket of `burst` tokens refilled at `qps` per second. `reserve()` takes a token now or
 * in the future (the balance may go negative) and says how long to wait for it, so callers queue
 * up fairly without polling.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly qps: number, readonly burst: number, private readonly clock: Clock) {
    if (!(qps > 0)) throw new RangeError(`token bucket qps must be > 0, got ${qps}`);
    if (!(burst >= 1)) throw new RangeError(`token bucket burst must be >= 1, got ${burst}`);
    this.tokens = burst;
    this.last = clock.now();
  }

  /** Takes one token and returns the ms to wait before using it (0 when one was available). */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.qps) * 1000;
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.qps);
    this.last = now;
  }

  /** Takes a token only if one is available now. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Waits until a token is available (or `signal` aborts). Returns the ms waited. */
  async acquire(signal?: AbortSignal): Promise<number> {
    const wait = this.reserve();
    if (wait > 0) await sleep(this.clock, wait, signal);
    return wait;
  }
}

/** Per-key exponential backoff, bounded below by an overall bucket: the longer of the two wins. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  constructor(private readonly perKey: RateLimiter<K>, private readonly bucket: TokenBucket) {}

  when(key: K): number {
    return Math.max(this.perKey.when(key), this.bucket.reserve());
  }

  forget(key: K): void {
    this.perKey.forget(key);
  }

  retries(key: K): number {
    return this.perKey.retries(key);
  }
}

export interface DefaultRateLimiterOptions {
  /** @default 5 */ readonly baseDelayMs?: number;
  /** @default 1_000_000 (1000 s) */ readonly maxDelayMs?: number;
  /** @default 10 */ readonly qps?: number;
  /** @default 100 */ readonly burst?: number;
}

/** controller-runtime's default: 5 ms doubling to 1000 s per key, at most 10/s (burst 100) overall. */
export function defaultControllerRateLimiter<K>(clock: Clock, options: DefaultRateLimiterOptions = {}): RateLimiter<K> {
  const { baseDelayMs = 5, maxDelayMs = 1_000_000, qps = 10, burst = 100 } = options;
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter<K>(baseDelayMs, maxDelayMs), new TokenBucket(qps, burst, clock));
}
