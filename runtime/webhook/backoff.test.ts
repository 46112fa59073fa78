import fc from "fast-check";
import { afterFailure, backoffCeilingMs, retryDelayMs, type RetryPolicy } from "./backoff.js";

describe("webhook retry backoff", () => {
  it("doubles from the base delay up to the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCeilingMs(n, 3000, 30_000))).toEqual([3000, 6000, 12_000, 24_000, 30_000, 30_000]);
    expect(backoffCeilingMs(10_000, 3000, 900_000)).toBe(900_000);
  });

  it("jitters each delay within [ceiling/2, ceiling]: below the cap delays never shrink, and none passes the cap", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }),
      fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }),
      (attempts, base, extra, r1, r2) => {
        const cap = base + extra;
        const d = retryDelayMs(attempts, base, cap, () => r1);
        const next = retryDelayMs(attempts + 1, base, cap, () => r2);
        const ceiling = backoffCeilingMs(attempts, base, cap);
        const belowCap = backoffCeilingMs(attempts + 1, base, cap) < cap;
        return d >= Math.floor(ceiling / 2) && d <= ceiling && d <= cap && (!belowCap || next >= d - 1);
      },
    ));
  });

  it("spreads delays over the whole jitter range", () => {
    expect(retryDelayMs(1, 1000, 10_000, () => 0)).toBe(500);
    expect(retryDelayMs(1, 1000, 10_000, () => 1)).toBe(1000);
  });

  const policy: RetryPolicy = { baseMs: 100, capMs: 1000, maxAttempts: 5, maxAgeMs: 60_000 };
  it("gives up after the maximum attempts or age, whichever comes first", () => {
    expect(afterFailure(policy, 4, 1000, () => 1)).toEqual({ dead: false, delayMs: 800 });
    expect(afterFailure(policy, 5, 1000)).toEqual({ dead: true });
    expect(afterFailure(policy, 1, 60_000)).toEqual({ dead: true });
    expect(afterFailure({ ...policy, maxAttempts: 0 }, 10_000, 59_999, () => 0)).toEqual({ dead: false, delayMs: 500 });
  });
});
