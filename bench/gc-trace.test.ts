import { gcReport, majorGcs, onLoadTimeline } from "./gc-trace.js";

// Lines as node 20's --trace-gc prints them (from a benchmark's WebApp log).
const log = [
  '{"level":30,"time":"2026-11-27T03:02:50.899Z","role":"webapp","msg":"webapp listening"}',
  "[15485:0x21039c00]     1745 ms: Scavenge 21.1 (31.4) -> 18.9 (34.6) MB, 16.43 / 0.01 ms  (average mu = 1.000, current mu = 1.000) allocation failure; ",
  "[15485:0x21039c00]    12500 ms: Mark-Compact 28.8 (61.9) -> 20.3 (61.9) MB, 9.72 / 0.04 ms  (+ 29.2 ms in 21 steps since start of marking, biggest step 20.2 ms, walltime since start of marking 66 ms) (average mu = 0.998, current mu = 0.998) finalize incremental marking via task; GC in old space requested",
  "[15485:0x21039c00]    30900 ms: Mark-Compact (reduce) 19.7 (32.6) -> 15.6 (17.9) MB, 77.62 / 0.05 ms  (+ 69.9 ms in 68 steps since start of marking) finalize incremental marking via task; GC in old space requested",
].join("\n");

describe("major GCs from --trace-gc", () => {
  it("finds the mark-compact collections, not the scavenges or the JSON lines", () => {
    expect(majorGcs(log)).toEqual([{ atMs: 12500, pauseMs: 9.72 }, { atMs: 30900, pauseMs: 77.62 }]);
  });

  it("puts them on the load's timeline and counts the slow seconds they ended in or just before", () => {
    // The process started 2 s before the load: its collections end at seconds 10.5 and 28.9 of the load.
    const webapp = onLoadTimeline("webapp", log, 1_000_000, 1_002_000);
    expect(webapp.gcs).toEqual([{ atS: 10.5, pauseMs: 9.72 }, { atS: 28.9, pauseMs: 77.62 }]);
    // Seconds 9 and 10 lie just before / at the first, 27 and 28 at the second; 5 has none.
    expect(gcReport([webapp], [5, 10, 28], 40)).toBe(
      "webapp: 2 major GCs (pause p50 9.7 ms, max 77.6), ending in or just after 2 of 3 slow seconds and 4 of all 40",
    );
  });

  it("leaves out collections outside the load and says when there was none", () => {
    const early = onLoadTimeline("coreapp-0", log, 1_000_000, 1_040_000);
    expect(gcReport([early], [1], 30)).toBe("no major GC during the load");
  });
});
