// What the benchmark samples at the edges of its measured window: CPU seconds of every process
// (PostgreSQL as the postmaster plus its backends, live and exited), the whole machine's CPU times,
// PostgreSQL's transaction counter for the instance's database, and a few counters from the roles'
// /metrics.
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import pg from "pg";
import { cpuSeconds, procStat } from "../runtime/system/testing/processes.js";
import { readCpuTimes, type CpuTimes } from "./machine.js";

export interface TableCounters {
  readonly seqScans: number;
  readonly seqRowsRead: number;
  readonly indexScans: number;
  readonly inserted: number;
  readonly updated: number;
  readonly hotUpdated: number;
  readonly deleted: number;
}

export interface Sample {
  readonly at: number;
  /** pg_stat_user_tables counters by table. */
  readonly tables: Record<string, TableCounters>;
  /** CPU seconds by process name. */
  readonly cpu: Record<string, number>;
  /** The whole machine's CPU times (undefined without /proc/stat). */
  readonly machine: CpuTimes | undefined;
  readonly transactions: number;
  readonly loadAverage: number;
}

/** The postmaster of the server listening on `port` (its command line says -p PORT). */
export function postmasterPid(port: number): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (argv[0]?.endsWith("postgres") && argv.some((a, i) => a === "-p" && argv[i + 1] === String(port))) return Number(entry);
    } catch { /* gone meanwhile */ }
  }
  return undefined;
}

/** CPU seconds of a server: the postmaster, its reaped children, and its live children. */
export function serverCpuSeconds(postmaster: number): number {
  let total = cpuSeconds(postmaster, true);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(procStat(Number(entry))(4)) === postmaster) total += cpuSeconds(Number(entry));
    } catch { /* gone meanwhile */ }
  }
  return total;
}

export class Probes {
  private readonly client: pg.Client;

  constructor(databaseUrl: string, private readonly pids: ReadonlyMap<string, number>, private readonly postmaster: number | undefined) {
    this.client = new pg.Client({ connectionString: databaseUrl, application_name: "waba-bench" });
  }

  async open(): Promise<void> {
    await this.client.connect();
  }

  /** CPU is read at once (synchronously); the transaction counter follows. */
  async sample(): Promise<Sample> {
    const at = Date.now();
    const cpu: Record<string, number> = { bench: process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6 };
    for (const [name, pid] of this.pids) {
      try { cpu[name] = cpuSeconds(pid); } catch { /* exited */ }
    }
    if (this.postmaster !== undefined) cpu.postgres = serverCpuSeconds(this.postmaster);
    const machine = readCpuTimes();
    const loadAverage = loadavg()[0] ?? 0;
    const { rows } = await this.client.query<{ n: string }>("SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()");
    const stats = await this.client.query<{ name: string; s: string; sr: string; i: string | null; ins: string; upd: string; hot: string; del: string }>(
      "SELECT relname AS name, seq_scan AS s, seq_tup_read AS sr, idx_scan AS i, n_tup_ins AS ins, n_tup_upd AS upd, n_tup_hot_upd AS hot, n_tup_del AS del FROM pg_stat_user_tables");
    const tables = Object.fromEntries(stats.rows.map((r) => [r.name, {
      seqScans: Number(r.s), seqRowsRead: Number(r.sr), indexScans: Number(r.i ?? 0), inserted: Number(r.ins), updated: Number(r.upd), hotUpdated: Number(r.hot), deleted: Number(r.del),
    }]));
    return { at, cpu, machine, tables, transactions: Number(rows[0]?.n ?? 0), loadAverage };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/** Per-process CPU over a window, as % of one core. */
export function cpuPercent(start: Sample, end: Sample): Record<string, number> {
  const seconds = (end.at - start.at) / 1000;
  return Object.fromEntries(Object.keys(end.cpu).filter((k) => start.cpu[k] !== undefined)
    .map((k) => [k, Math.round((((end.cpu[k] ?? 0) - (start.cpu[k] ?? 0)) / seconds) * 100)]));
}

/** What each table went through between two samples (only tables that changed). */
export function tableDeltas(start: Sample, end: Sample): Record<string, TableCounters> {
  const out: Record<string, TableCounters> = {};
  for (const [name, e] of Object.entries(end.tables)) {
    const s = start.tables[name];
    if (!s) continue;
    const d = Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v - (s[k as keyof TableCounters])])) as unknown as TableCounters;
    if (Object.values(d).some((v) => v !== 0)) out[name] = d;
  }
  return out;
}

/** The value of an unlabelled counter or gauge (or the sum over its label sets) in Prometheus text. */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "gm"))) sum += Number(m[1]);
  return sum;
}

/** Cumulative counts of a Prometheus histogram by upper bound (seconds; +Inf as Infinity). */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  return new Map([...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, "gm"))]
    .map((m) => [m[1] === "+Inf" ? Infinity : Number(m[1]), Number(m[2])]));
}
