import { distribution, rateIn, shortfalls, timeline } from "./stats.js";

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

  it("puts each request in the second it was due, so a stall shows where it began", () => {
    const start = 10_000;
    const slots = timeline([
      { dueAt: 10_100, acceptMs: 5, deliveredMs: 70 },
      { dueAt: 10_900, acceptMs: 1500 }, // answered in second 2, but due in second 0
      { dueAt: 11_000 }, // shed
      { dueAt: 12_999, acceptMs: 7, deliveredMs: 90 },
      { dueAt: 9_999, acceptMs: 1 }, // before the load: left out
      { dueAt: 13_000, acceptMs: 1 }, // after it: left out
    ], start, 13_000, 1000);
    expect(slots.map((s) => [s.fromS, s.due, s.accepted, s.acceptMs.max, s.deliveredMs.count])).toEqual([[0, 2, 2, 1500, 1], [1, 1, 0, Number.NaN, 0], [2, 1, 1, 7, 1]]);
  });
});
