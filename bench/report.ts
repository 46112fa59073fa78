// The benchmark's table: one line per step, CPU as % of one core per process group.
import type { RoleGcs } from "./gc-trace.js";
import type { StepResult } from "./step.js";
import { issueTarget, type Slot } from "./stats.js";

export interface ReportedStep extends StepResult {
  readonly shards: number;
  readonly coreapps: number;
  /** With --trace-gc: each role's major collections during the load. */
  readonly majorGcs?: readonly RoleGcs[];
}

const columns = [
  "shards", "rate/s", "accepted/s", "accept p50/p99/max ms", "server mean/p99≤ ms", "→delivered p50/p99 ms", "delivered/s", "lost", "dup", "PG tx/s",
  "CPU% webapp/coreapps/webhook/sim/pg/bench+recv", "load avg", "verdict",
];

const ms = (n: number) => (Number.isFinite(n) ? (n < 10 ? n.toFixed(1) : String(Math.round(n))) : "-");

/** CPU of the roles' processes grouped: all CoreApps summed, the client side (load generator and receiver) together. */
export function cpuGroups(cpu: Readonly<Record<string, number>>): string {
  const sum = (match: (name: string) => boolean) => Object.entries(cpu).filter(([k]) => match(k)).reduce((a, [, v]) => a + v, 0);
  return [
    sum((k) => k === "webapp"), sum((k) => k.startsWith("coreapp")), sum((k) => k === "webhook"), sum((k) => k === "simulator"),
    sum((k) => k === "postgres"), sum((k) => k === "bench" || k === "receiver"),
  ].join("/");
}

export function row(s: ReportedStep): string[] {
  const lost = Math.max(s.lost.notAtSimulator, s.lost.notReportedDelivered);
  return [
    `${s.shards} (${s.coreapps} coreapps)`, String(s.rate), String(Math.round(s.accepted.perSecond)),
    `${ms(s.acceptMs.p50)}/${ms(s.acceptMs.p99)}/${ms(s.acceptMs.max)}`,
    `${ms(s.serverAcceptMs.mean)}/${ms(s.serverAcceptMs.p99AtMost)}`,
    `${ms(s.acceptToDeliveredMs.p50)}/${ms(s.acceptToDeliveredMs.p99)}`,
    String(Math.round(s.deliveredPerSecond)), String(lost), String(s.duplicates.webhookEvents), String(s.postgresTransactionsPerSecond),
    cpuGroups(s.cpuPercent), `${s.loadAverage.start.toFixed(1)}→${s.loadAverage.end.toFixed(1)}`,
    s.shortfalls.length ? s.shortfalls.join("; ") : "meets the target",
  ];
}

/** A plain-text table with aligned columns. */
export function table(steps: readonly ReportedStep[]): string {
  const rows = [columns, ...steps.map(row)];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ").trimEnd()).join("\n");
}

/** "0-4, 112, 245-246": the numbers as ranges of consecutive values. */
export function ranges(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length;) {
    let j = i;
    while (j + 1 < values.length && values[j + 1] === (values[j] ?? 0) + 1) j++;
    out.push(i === j ? String(values[i]) : `${values[i]}-${values[j]}`);
    i = j + 1;
  }
  return out.join(", ");
}

/** The seconds of the load that missed the p99 target or left requests unaccepted. */
export function slowSecondsOf(slots: readonly Slot[]): number[] {
  return slots.filter((s) => s.due > 0 && (s.accepted < s.due || !(s.acceptMs.p99 < issueTarget.p99AcceptMs))).map((s) => s.fromS);
}

/** Which seconds of the load missed the p99 target or left requests unaccepted: where the tail came from. */
export function slowSeconds(slots: readonly Slot[], warmupS: number): string {
  const slow = slowSecondsOf(slots);
  const head = `seconds of the load (the first ${warmupS} the warm-up) with accept p99 >= ${issueTarget.p99AcceptMs} ms or requests not accepted`;
  return `${head}: ${slow.length ? `${ranges(slow)} (${slow.length} of ${slots.length})` : "none"}`;
}

/** The whole machine over the measured window (busy, kernel and steal as % of all cores' time). */
export function machineLine(m: StepResult["machinePercent"]): string {
  return m ? `machine over the measured window: busy ${m.busy}% of all cores (kernel ${m.kernel}%), steal ${m.steal}%` : "machine: /proc/stat not readable";
}
