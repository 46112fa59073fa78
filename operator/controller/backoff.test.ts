import { Backoff, backoffDelay } from "./backoff.js";

describe("the jittered backoff", () => {
  it("grows by the factor up to the cap and only ever shortens by at most the jitter fraction", () => {
    const options = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.3 };
    for (let attempt = 0; attempt < 12; attempt++) {
      const base = Math.min(5000, 100 * 2 ** attempt);
      for (const r of [0, 0.25, 0.5, 0.999999]) {
        const d = backoffDelay(attempt, options, () => r);
        expect(d).toBeLessThanOrEqual(base);
        expect(d).toBeGreaterThanOrEqual(base * 0.7);
      }
    }
  });

  it("spreads delays across the jitter range with a real random source", () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(3, { initialMs: 100, jitter: 0.5 }));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(400);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });

  it("resets to the first delay after a success", () => {
    const backoff = new Backoff({ initialMs: 10, jitter: 0 });
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([10, 20, 40]);
    backoff.reset();
    expect(backoff.next()).toBe(10);
  });

  it("refuses a jitter outside 0..1", () => {
    expect(() => backoffDelay(0, { jitter: 2 })).toThrow("jitter must be within 0..1");
  });
});
