import { KeyedRateLimiter, retryAfterSeconds, TokenBucket } from "./rate-limit.js";

describe("a token bucket", () => {
  it("allows a burst, then refuses with the time until the next token", () => {
    const bucket = new TokenBucket({ ratePerSecond: 50, burst: 150 }, 0);
    for (let i = 0; i < 150; i++) expect(bucket.take(0)).toBe(0);
    expect(bucket.take(0)).toBeCloseTo(0.02);
    expect(retryAfterSeconds(bucket.take(0))).toBe("1");
  });

  it("refills at its rate and never above its burst", () => {
    const bucket = new TokenBucket({ ratePerSecond: 10, burst: 5 }, 0);
    for (let i = 0; i < 5; i++) bucket.take(0);
    expect(bucket.take(50)).toBeGreaterThan(0);
    expect(bucket.take(100)).toBe(0); // 0.1 s at 10/s = one token
    let allowed = 0;
    for (let i = 0; i < 20; i++) if (bucket.take(60_000) === 0) allowed++;
    expect(allowed).toBe(5);
  });

  it("is not fooled by a clock going backwards", () => {
    const bucket = new TokenBucket({ ratePerSecond: 1, burst: 1 }, 1000);
    expect(bucket.take(1000)).toBe(0);
    expect(bucket.take(0)).toBeGreaterThan(0);
    expect(bucket.take(1000)).toBeGreaterThan(0);
  });
});

describe("a keyed rate limiter", () => {
  it("limits each key separately", () => {
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 2 });
    expect([limiter.take("a", 0), limiter.take("a", 0), limiter.take("a", 0) > 0]).toEqual([0, 0, true]);
    expect(limiter.take("b", 0)).toBe(0);
  });

  it("keeps a bounded number of keys, forgetting idle (full) buckets first", () => {
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1 }, 2);
    limiter.take("idle", 0);
    limiter.take("busy", 1000);
    // at 1.2 s "idle" is full again, "busy" is not: a third key evicts "idle" only
    expect(limiter.take("third", 1200)).toBe(0);
    expect(limiter.take("busy", 1200)).toBeGreaterThan(0);
  });

  it("drops the oldest key when every bucket is busy rather than grow", () => {
    const limiter = new KeyedRateLimiter({ ratePerSecond: 1, burst: 1 }, 2);
    limiter.take("a", 0);
    limiter.take("b", 0);
    limiter.take("c", 0);
    expect(limiter.take("b", 0)).toBeGreaterThan(0); // still tracked
    expect(limiter.take("a", 0)).toBe(0); // forgotten, starts afresh
  });
});
