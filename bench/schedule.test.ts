import { dueOffsetMs, totalRequests, type Schedule } from "./schedule.js";

const perSecond = (s: Schedule) => {
  const counts: number[] = [];
  for (let i = 0; i < totalRequests(s); i++) {
    const second = Math.floor(dueOffsetMs(s, i) / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return counts;
};

describe("the load's schedule", () => {
  it("ramps the offered rate linearly over the warm-up, then holds the rate", () => {
    const s = { rate: 1000, fromRate: 0, warmupMs: 10_000, durationMs: 5000 };
    expect(totalRequests(s)).toBe(5000 + 5000);
    expect(perSecond(s)).toEqual([50, 150, 250, 350, 450, 550, 650, 750, 850, 950, 1000, 1000, 1000, 1000, 1000]);
  });

  it("ramps from a previous rate, and starts at the full rate when told to", () => {
    expect(perSecond({ rate: 1000, fromRate: 500, warmupMs: 2000, durationMs: 1000 })).toEqual([625, 875, 1000]);
    const cold = { rate: 1000, fromRate: 1000, warmupMs: 2000, durationMs: 1000 };
    expect(perSecond(cold)).toEqual([1000, 1000, 1000]);
    expect(dueOffsetMs(cold, 1500)).toBe(1500);
  });

  it("never makes a request due before the one before it", () => {
    const s = { rate: 700, fromRate: 30, warmupMs: 3000, durationMs: 2000 };
    for (let i = 1; i < totalRequests(s); i++) expect(dueOffsetMs(s, i)).toBeGreaterThan(dueOffsetMs(s, i - 1));
  });
});
