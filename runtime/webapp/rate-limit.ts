// Token buckets: `ratePerSecond` tokens flow in continuously up to `burst` (the bucket's size, so
// a client may send `burst` requests at once after being idle). Pure arithmetic on an injected
// clock; no timers.

export interface RateLimit {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly limit: RateLimit, now: number) {
    this.tokens = Math.max(limit.burst, 1);
    this.last = now;
  }

  /** Takes one token: 0 when allowed, else the seconds until one is available (for Retry-After). */
  take(now: number): number {
    const capacity = Math.max(this.limit.burst, 1);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.last) / 1000) * this.limit.ratePerSecond);
    this.last = Math.max(this.last, now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return (1 - this.tokens) / this.limit.ratePerSecond;
  }

  /** True when the bucket is full again: it can be forgotten without changing behaviour. */
  full(now: number): boolean {
    return this.tokens + ((now - this.last) / 1000) * this.limit.ratePerSecond >= Math.max(this.limit.burst, 1);
  }
}

/** One bucket per key (client), with the number of keys bounded: full buckets are forgotten first. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limit: RateLimit, private readonly maxKeys = 10_000) {}

  take(key: string, now: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.sweep(now);
      bucket = new TokenBucket(this.limit, now);
      this.buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(key);
    // all busy: drop the oldest rather than grow without bound
    while (this.buckets.size >= this.maxKeys) {
      const oldest = this.buckets.keys().next();
      if (oldest.done) break;
      this.buckets.delete(oldest.value);
    }
  }
}

/** Retry-After: whole seconds, at least 1. */
export function retryAfterSeconds(wait: number): string {
  return String(Math.max(1, Math.ceil(wait)));
}
