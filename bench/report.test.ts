import { ranges, slowSeconds } from "./report.js";
import { timeline, type TimedRequest } from "./stats.js";

describe("benchmark report", () => {
  it("writes consecutive numbers as ranges", () => {
    expect(ranges([0, 1, 2, 4, 7, 8])).toBe("0-2, 4, 7-8");
    expect(ranges([])).toBe("");
  });

  it("names the seconds that missed the p99 target or left requests unaccepted", () => {
    const fast = (second: number) => Array.from({ length: 100 }, (_, i) => ({ dueAt: second * 1000 + i * 10, acceptMs: 5 }));
    const requests: TimedRequest[] = [...fast(0), ...fast(1), ...fast(2), ...fast(3)];
    requests[0] = { dueAt: 0, acceptMs: 400 }; // second 0: 1 slow of 100 keeps p99 under the target
    for (let i = 100; i < 102; i++) requests[i] = { dueAt: 1000 + i, acceptMs: 60 }; // second 1: 2 of 100 slow
    requests[350] = { dueAt: 3500 }; // second 3: one shed
    expect(slowSeconds(timeline(requests, 0, 4000, 1000), 2)).toBe(
      "seconds of the load (the first 2 the warm-up) with accept p99 >= 50 ms or requests not accepted: 1, 3 (2 of 4)",
    );
    expect(slowSeconds(timeline(fast(0), 0, 1000, 1000), 0)).toMatch(/: none$/);
  });
});
