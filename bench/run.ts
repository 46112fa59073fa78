// The benchmark (`make bench`, `make bench-find-max`): one instance as real processes on loopback
// (private PostgreSQL, simulator, migrate, WebApp, N+1 CoreApps, webhook dispatcher, a signed
// webhook receiver in its own process), POST /v1/messages at an open-loop schedule, and the
// figures of bench/step.ts. Prints a table; writes bench/results/<timestamp>.json. One shard by
// default: on 2 cores a second active CoreApp costs more CPU than it adds (--shards 1,2 compares).
//   node --import tsx bench/run.ts [--rate 1000] [--seconds 60] [--warmup 20] [--cold-start] [--shards 1,2,4]
//     [--find-max [--step 250] [--max-rate 6000]] [--durable] [--pg-statements] [--cpu-prof] [--trace-gc] [--keep-logs]
//     [--client own|undici]
// The roles run from dist/, as in the image (`make bench` builds it first). The warm-up raises the
// offered rate linearly from 0 (find-max: from the previous step's rate) to the rate (schedule.ts);
// --cold-start offers the full rate from the first second instead.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { startPostgres, type PostgresServer } from "../runtime/db/testing/postgres.js";
import type { ShardCount } from "../runtime/sharding/hash.js";
import { startSystem, type RunningSystem } from "../runtime/system/testing/instance.js";
import { gcReport, observeOwnMajorGcs, onLoadTimeline } from "./gc-trace.js";
import { postgresOnHugePages, runningDamonSchemes } from "./machine.js";
import { postmasterPid, Probes } from "./probes.js";
import { startBenchReceiver, type BenchReceiver } from "./receiver.js";
import { machineLine, slowSeconds, slowSecondsOf, table, type ReportedStep } from "./report.js";
import { runStep, type StepOptions } from "./step.js";

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string" },
    warmup: { type: "string" },
    "cold-start": { type: "boolean", default: false },
    drain: { type: "string", default: "60" },
    shards: { type: "string", default: "1" },
    coreapps: { type: "string" },
    recipients: { type: "string", default: "10000" },
    connections: { type: "string", default: "64" },
    client: { type: "string", default: "own" },
    "read-probability": { type: "string", default: "1" },
    format: { type: "string", default: "onprem" },
    "find-max": { type: "boolean", default: false },
    step: { type: "string", default: "250" },
    "max-rate": { type: "string", default: "10000" },
    durable: { type: "boolean", default: false },
    "pg-statements": { type: "boolean", default: false },
    "cpu-prof": { type: "boolean", default: false },
    "trace-gc": { type: "boolean", default: false },
    "keep-logs": { type: "boolean", default: false },
  },
});
const num = (name: keyof typeof args, fallback?: number): number => {
  const raw = args[name] ?? (fallback === undefined ? undefined : String(fallback));
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: must be a number (got ${String(raw)})`);
  return n;
};
const findMax = args["find-max"];
const shardCounts = args.shards.split(",").map(Number);
if (!shardCounts.every((s) => [1, 2, 4, 8, 16, 32].includes(s))) throw new Error("--shards: a comma-separated list of 1, 2, 4, 8, 16 or 32");
if (args.format !== "onprem" && args.format !== "cloud") throw new Error("--format: onprem or cloud");
if (args.client !== "own" && args.client !== "undici") throw new Error("--client: own or undici");
const loadClient = args.client;
const stepOptions = (rate: number, previousRate: number): StepOptions => ({
  rate,
  fromRate: args["cold-start"] ? rate : previousRate,
  // By default every one of the 10 000 recipients gets its first message in the warm-up (ramp 0 → 1000/s).
  warmupMs: num("warmup", findMax ? 5 : 20) * 1000,
  durationMs: num("seconds", findMax ? 30 : 60) * 1000,
  drainMs: num("drain") * 1000,
  recipients: Array.from({ length: num("recipients") }, (_, i) => `4917${String(i * 7919 % 10_000_000).padStart(7, "0")}${i % 10}`),
  connections: num("connections"),
  maxInFlight: Math.max(1000, rate * 2),
  timeoutMs: 10_000,
  client: loadClient,
});

const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const resultsDir = resolve(import.meta.dirname, "results");
const profileDir = join(resultsDir, `profiles-${stamp}`);
mkdirSync(resultsDir, { recursive: true });

/**
 * Makes the new server's WAL like that of one that has been running: a server reuses (renames)
 * the segment files a checkpoint freed, but a new one creates each 16 MB segment, writing zeros
 * while it holds the WAL write lock, so every commit waits (every ~5 s at 1000 messages/s, 25 ms
 * on average, sampled from pg_stat_activity as IO:WALInitWrite). So: write ~1 GB of WAL once,
 * then checkpoint, with min_wal_size keeping the freed files for reuse.
 */
async function recycleWal(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("ALTER SYSTEM SET min_wal_size = '1GB'");
    await client.query("SELECT pg_reload_conf()");
    await client.query("CREATE TABLE wal_warmup AS SELECT repeat('x', 900) AS filler FROM generate_series(1, 1000000)");
    await client.query("DROP TABLE wal_warmup");
    await client.query("CHECKPOINT");
  } finally {
    await client.end();
  }
  // With fsync off that GB is still dirty in the page cache; written back during the run, it stalled
  // commits for seconds (requests shed in the warm-up, accept -> delivered p99 of 3-8 s).
  execFileSync("sync");
}

/** A private server, durable or not, with pg_stat_statements when asked (both need a restart). */
async function postgres(): Promise<PostgresServer> {
  const server = await startPostgres();
  const settings: [string, string][] = [];
  if (args.durable) settings.push(["fsync", "on"], ["full_page_writes", "on"]);
  if (args["pg-statements"]) settings.push(["shared_preload_libraries", "pg_stat_statements"]);
  if (settings.length === 0) return server;
  try {
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      for (const [name, value] of settings) await client.query(`ALTER SYSTEM SET ${name} = '${value}'`);
    } finally {
      await client.end();
    }
    await server.restart();
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}

interface Statement { calls: string; total_ms: string; mean_ms: string; max_ms: string; rows: string; jit_ms: string; query: string }

async function topStatements(databaseUrl: string): Promise<Statement[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<Statement>(`SELECT calls, round(total_exec_time) AS total_ms, round(mean_exec_time::numeric, 3) AS mean_ms,
      round(max_exec_time::numeric, 1) AS max_ms, rows,
      round((jit_generation_time + jit_inlining_time + jit_optimization_time + jit_emission_time)::numeric) AS jit_ms,
      left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 15`);
    return rows;
  } finally {
    await client.end();
  }
}

interface Scenario { shards: number; coreapps: number; postgresHugePages?: boolean; steps: ReportedStep[]; maxSustainable?: number; statements?: Statement[]; logDir?: string }

async function scenario(shards: ShardCount): Promise<Scenario> {
  const coreapps = args.coreapps ? num("coreapps") : shards + 1;
  const result: Scenario = { shards, coreapps, steps: [] };
  const server = await postgres();
  let receiver: BenchReceiver | undefined;
  let system: RunningSystem | undefined;
  let probes: Probes | undefined;
  /** Stops what runs, in this order; a failing step does not skip the next ones, its error comes after. */
  const stopProcesses = async () => {
    let failure: Error | undefined;
    const steps = [() => probes?.close().catch(() => undefined), () => system?.stop(), () => receiver?.stop(), () => server.stop()];
    for (const step of steps) {
      await Promise.resolve(step()).catch((err: unknown) => { failure ??= err instanceof Error ? err : new Error("a benchmark process did not stop", { cause: err }); });
    }
    if (failure) throw failure;
  };
  stopAll = async () => {
    await stopProcesses().catch(() => undefined);
    if (!args["keep-logs"]) system?.removeLogs();
    else if (system) process.stdout.write(`logs in ${system.logDir}\n`);
  };
  try {
    await recycleWal(server.url);
    if (args["pg-statements"]) {
      const c = new pg.Client({ connectionString: server.url });
      await c.connect();
      await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      await c.end();
    }
    receiver = await startBenchReceiver();
    const nodeArgs = [...(args["cpu-prof"] ? [`--cpu-prof`, `--cpu-prof-dir=${profileDir}`] : []), ...(args["trace-gc"] ? ["--trace-gc"] : [])];
    system = await startSystem({
      serverUrl: server.url, shards, coreapps,
      webhooks: [{ url: receiver.url, format: args.format as "onprem" | "cloud", secret: receiver.secret }],
      env: { WABA_RATE_LIMIT_PER_SECOND: "1000000", WABA_RATE_LIMIT_BURST: "1000000" },
      simulatorEnv: { WABA_SIMULATOR_RECORD: "counters", WABA_SIMULATOR_READ_PROBABILITY: args["read-probability"] },
      nodeArgs: { webapp: nodeArgs, coreapp: nodeArgs, webhook: nodeArgs, simulator: nodeArgs },
      ownSessions: true,
      compiled: true,
    });
    if (args["pg-statements"]) {
      const c = new pg.Client({ connectionString: system.databaseUrl });
      await c.connect();
      await c.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      await c.query("SELECT pg_stat_statements_reset()");
      await c.end();
    }
    const pids = new Map(system.processes.filter((p) => p.running()).map((p) => [p.name, p.pid]));
    pids.set("receiver", receiver.pid);
    const postmaster = postmasterPid(server.port);
    result.postgresHugePages = postgresOnHugePages(postmaster);
    process.stdout.write(`PostgreSQL's shared memory: ${result.postgresHugePages ? "huge pages" : "4-kB pages (huge pages need vm.nr_hugepages, bench/FINDINGS.md)"}\n`);
    probes = new Probes(system.databaseUrl, pids, postmaster);
    await probes.open();
    let sent = 0;
    for (let rate = num("rate"); ; rate += num("step")) {
      process.stdout.write(`shards ${shards}, ${coreapps} CoreApps: ${rate} messages/s (load average ${loadavg()[0]?.toFixed(1)})…\n`);
      const options = stepOptions(rate, result.steps.at(-1)?.rate ?? 0);
      const ownGcs = args["trace-gc"] ? observeOwnMajorGcs() : undefined;
      const step = await runStep(system, receiver, probes, options, sent);
      sent += step.accepted.total;
      const loadStart = Date.parse(step.loadStartedAt);
      const majorGcs = ownGcs && [
        ownGcs.stop(loadStart),
        ...system.processes.filter((p) => p.role !== "migrate").map((p) => onLoadTimeline(p.name, readFileSync(p.logFile, "utf8"), p.startedAt, loadStart)),
      ];
      const reported: ReportedStep = { ...step, shards, coreapps, majorGcs };
      result.steps.push(reported);
      process.stdout.write(`${table([reported])}\n${slowSeconds(step.timeline, options.warmupMs / 1000)}\n${machineLine(step.machinePercent)}\n`);
      if (majorGcs) process.stdout.write(`${gcReport(majorGcs, slowSecondsOf(step.timeline), step.timeline.length)}\n`);
      if (!findMax) break;
      if (step.shortfalls.length) break;
      result.maxSustainable = rate;
      if (rate + num("step") > num("max-rate")) break;
    }
    if (args["pg-statements"]) result.statements = await topStatements(system.databaseUrl);
  } finally {
    await stopProcesses();
    if (system && args["keep-logs"]) result.logDir = system.logDir;
    else system?.removeLogs();
  }
  return result;
}

// PostgreSQL, the roles and the receiver run in sessions of their own (scheduling groups, see
// spawnLogged), so the terminal's Ctrl-C reaches only this process: it stops them before leaving.
let stopAll: (() => Promise<void>) | undefined;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    process.stdout.write(`${signal}: stopping the benchmark's processes\n`);
    void (stopAll?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

const damonSchemes = runningDamonSchemes();
if (damonSchemes.length) {
  process.stdout.write(`note: the kernel's DAMON runs here (${damonSchemes.join(", ")}); its CPU grows through a run and the tail with it (bench/FINDINGS.md)\n`);
}
const started = new Date();
const scenarios: Scenario[] = [];
for (const shards of shardCounts) scenarios.push(await scenario(shards as ShardCount));
const file = join(resultsDir, `${stamp}.json`);
writeFileSync(file, `${JSON.stringify({
  started, finished: new Date(), mode: findMax ? "find-max" : "fixed-rate", args,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtEnd: loadavg(), damonSchemes },
  postgres: args.durable ? "fsync on" : "fsync off (test server)",
  scenarios,
}, null, 2)}\n`);
process.stdout.write(`\n${table(scenarios.flatMap((s) => s.steps))}\n`);
for (const s of scenarios) {
  if (findMax) process.stdout.write(`shards ${s.shards}: highest rate meeting the target: ${s.maxSustainable === undefined ? "none" : `${s.maxSustainable}/s`}\n`);
  if (s.statements) process.stdout.write(`shards ${s.shards}, top statements:\n${JSON.stringify(s.statements, null, 1)}\n`);
  if (s.logDir) process.stdout.write(`shards ${s.shards}: logs in ${s.logDir}\n`);
}
if (args["cpu-prof"]) process.stdout.write(`CPU profiles in ${profileDir}\n`);
process.stdout.write(`figures written to ${file}\n`);
