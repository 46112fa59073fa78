import { ItemExponentialRateLimiter, MaxOfRateLimiter, TokenBucket, defaultControllerRateLimiter } from "./rate-limiter.js";
import { FakeClock } from "./testing/fake-clock.js";

describe("the token bucket", () => {
  it("lets a burst through at once, then spaces requests at the refill rate", () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 3, clock);
    expect([bucket.reserve(), bucket.reserve(), bucket.reserve()]).toEqual([0, 0, 0]);
    expect(bucket.reserve()).toBeCloseTo(100);
    expect(bucket.reserve()).toBeCloseTo(200);
  });

  it("refills over time but never above the burst", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(10, 2, clock);
    bucket.reserve();
    bucket.reserve();
    await clock.advance(10_000);
    expect([bucket.reserve(), bucket.reserve()]).toEqual([0, 0]);
    expect(bucket.reserve()).toBeCloseTo(100);
  });

  it("acquire() waits for its token", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(1, 1, clock);
    await bucket.acquire();
    let got = false;
    void bucket.acquire().then(() => { got = true; });
    await clock.advance(999);
    expect(got).toBe(false);
    await clock.advance(1);
    expect(got).toBe(true);
  });

  it("refuses settings that would never refill", () => {
    expect(() => new TokenBucket(0, 1, new FakeClock())).toThrow("qps must be > 0");
    expect(() => new TokenBucket(1, 0, new FakeClock())).toThrow("burst must be >= 1");
  });
});

describe("the per-key exponential limiter", () => {
  it("keeps separate failure counts per key", () => {
    const limiter = new ItemExponentialRateLimiter<string>(5, 1_000_000);
    expect([limiter.when("a"), limiter.when("a"), limiter.when("b"), limiter.when("a")]).toEqual([5, 10, 5, 20]);
    limiter.forget("a");
    expect(limiter.when("a")).toBe(5);
    expect(limiter.retries("b")).toBe(1);
  });

  it("stays at the cap after very many failures", () => {
    const limiter = new ItemExponentialRateLimiter<string>(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 5000; i++) last = limiter.when("k");
    expect(last).toBe(1_000_000);
  });
});

describe("the controller's default limiter", () => {
  it("delays by the overall bucket once the burst of failures is spent, even for fresh keys", () => {
    const clock = new FakeClock();
    const limiter = new MaxOfRateLimiter(new ItemExponentialRateLimiter<string>(5, 1000), new TokenBucket(10, 2, clock));
    expect(limiter.when("a")).toBe(5);
    expect(limiter.when("b")).toBe(5);
    expect(limiter.when("c")).toBeCloseTo(100);
  });

  it("is controller-runtime's 5 ms per-key base", () => {
    expect(defaultControllerRateLimiter<string>(new FakeClock()).when("k")).toBe(5);
  });
});

describe("taking a token without waiting", () => {
  it("succeeds within the burst, fails after, and succeeds again once refilled", async () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(2, 2, clock);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([true, true, false]);
    await clock.advance(500);
    expect([bucket.tryTake(), bucket.tryTake()]).toEqual([true, false]);
  });
});
