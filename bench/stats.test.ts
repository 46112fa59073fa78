import { distribution, rateIn, shortfalls } from "./stats.js";

describe("benchmark arithmetic", () => {
  it("takes nearest-rank percentiles, whatever the order of the values", () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i); // 200 … 1
    expect(distribution(values)).toEqual({ count: 200, p50: 100, p99: 198, max: 200 });
    expect(distribution([7])).toEqual({ count: 1, p50: 7, p99: 7, max: 7 });
  });

  it("answers NaN percentiles for no values rather than zeros that look like a result", () => {
    const d = distribution([]);
    expect(d.count).toBe(0);
    expect([d.p50, d.p99, d.max].every(Number.isNaN)).toBe(true);
  });

  it("counts a rate only from the timestamps inside the window", () => {
    const stamps = [999, 1000, 1500, 1999, 2000, 2500];
    expect(rateIn(stamps, 1000, 2000)).toBe(3); // 3 events in one second
    expect(rateIn(stamps, 1000, 1000)).toBe(0);
  });

  it("says which part of the issue's bar a step misses", () => {
    const meeting = { offeredPerSecond: 1000, acceptedPerSecond: 1000, acceptP99Ms: 12, deliveredPerSecond: 990, lost: 0, refused: 0 };
    expect(shortfalls(meeting)).toEqual([]);
    expect(shortfalls({ ...meeting, acceptP99Ms: 50 })).toEqual(["p99 accept 50.0 ms >= 50 ms"]);
    expect(shortfalls({ ...meeting, lost: 2, deliveredPerSecond: 900 })).toEqual(["2 lost", "delivered 900/s of 1000/s offered"]);
    expect(shortfalls({ ...meeting, refused: 5, acceptedPerSecond: 600 })).toEqual(["5 not accepted", "accepted 600/s of 1000/s offered"]);
    expect(shortfalls({ ...meeting, acceptP99Ms: Number.NaN })).toHaveLength(1);
  });
});
