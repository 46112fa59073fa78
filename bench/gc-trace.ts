// With --trace-gc the roles print a line per garbage collection (V8's format, e.g.
// "[123:0x5f…]   140478 ms: Mark-Compact 40.6 (61.9) -> 20.0 (61.9) MB, 9.56 / 0.33 ms …", the
// time since the process started, printed when the collection ends, then the pause on the main
// thread). These functions put each role's major collections on the load's timeline and count
// how many of the slow seconds had one, against how many of all seconds did (what chance gives).
import { constants, PerformanceObserver, type PerformanceEntry } from "node:perf_hooks";
import { distribution } from "./stats.js";

const majorGcLine = /^\[\d+:0x[0-9a-f]+\]\s+(\d+) ms: Mark-Compact.*?MB, ([\d.]+) \/ [\d.]+ ms/;

/** The major collections in a role's log: when each ended (ms since the process started) and its main-thread pause. */
export function majorGcs(log: string): { atMs: number; pauseMs: number }[] {
  const found: { atMs: number; pauseMs: number }[] = [];
  for (const line of log.split("\n")) {
    const m = majorGcLine.exec(line);
    if (m) found.push({ atMs: Number(m[1]), pauseMs: Number(m[2]) });
  }
  return found;
}

export interface RoleGcs {
  readonly name: string;
  /** Each major collection: the second of the load (from its start) at which it ended, and its pause. */
  readonly gcs: readonly { readonly atS: number; readonly pauseMs: number }[];
}

/** A role's collections on the load's timeline, from the process's and the load's start (epoch ms). */
export function onLoadTimeline(name: string, log: string, processStartMs: number, loadStartMs: number): RoleGcs {
  return { name, gcs: majorGcs(log).map((g) => ({ atS: (processStartMs + g.atMs - loadStartMs) / 1000, pauseMs: g.pauseMs })) };
}

/** Second `s` "has" a collection that ended in it or in the next second (its requests waited behind it). */
const within = (s: number, atS: readonly number[]) => atS.some((t) => t >= s && t < s + 2);

/**
 * One line per role with major collections during the load: how many, their pauses, and in how
 * many of the slow seconds one ended, against how many of all seconds (what chance alone gives).
 */
export function gcReport(roles: readonly RoleGcs[], slowS: readonly number[], seconds: number): string {
  const lines: string[] = [];
  for (const r of roles) {
    const inLoad = r.gcs.filter((g) => g.atS >= 0 && g.atS < seconds);
    if (!inLoad.length) continue;
    const times = inLoad.map((g) => g.atS);
    const pauses = distribution(inLoad.map((g) => g.pauseMs));
    const all = Array.from({ length: seconds }, (_, s) => s).filter((s) => within(s, times)).length;
    const slow = slowS.filter((s) => within(s, times)).length;
    lines.push(`${r.name}: ${inLoad.length} major GCs (pause p50 ${pauses.p50.toFixed(1)} ms, max ${pauses.max.toFixed(1)}), ` +
      `ending in or just after ${slow} of ${slowS.length} slow seconds and ${all} of all ${seconds}`);
  }
  return lines.length ? lines.join("\n") : "no major GC during the load";
}

/**
 * The load generator's own major collections, from when this is called until the returned stop():
 * a pause there delays the requests due meanwhile, which count it as latency (from when they were due).
 */
export function observeOwnMajorGcs(): { stop(loadStartMs: number): RoleGcs } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) entries.push(e);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  return {
    stop(loadStartMs) {
      observer.disconnect();
      const endS = (e: PerformanceEntry) => (performance.timeOrigin + e.startTime + e.duration - loadStartMs) / 1000;
      return { name: "load generator", gcs: entries.map((e) => ({ atS: endS(e), pauseMs: e.duration })) };
    },
  };
}
