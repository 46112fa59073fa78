// A quick load loop for the accept path: a throwaway PostgreSQL, the webapp role as its own
// process, and an undici Pool sending text messages for a while. Prints accepts/s and latency
// percentiles. Not the benchmark (bench/ has that): a check that the hot path is in the right range.
//   node --import tsx runtime/webapp/testing/accept-load.ts [seconds=10] [connections=64] [rate]
// Without a rate, every connection sends as fast as it can (closed loop: throughput); with one,
// requests start at that rate whatever the answers (open loop: latency at a given load).
// PROFILE=1 writes a CPU profile of the webapp process to /tmp/prof.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { loadEnv } from "../../config/env.js";
import { poolFromUrl } from "../../db/pool.js";
import { freePort, startPostgres } from "../../db/testing/postgres.js";
import { runMigrate } from "../../migrate/main.js";
import { createLogger } from "../../observability/logger.js";
import { instanceEnv } from "../../testing/env.js";

/** CPU time (user + system) a process has used, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** The upper bound of the bucket holding quantile q of a Prometheus histogram (whole process life). */
function histogramQuantile(text: string, name: string, q: number): number {
  const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\d+)$`, "gm"))].map((m) => [Number(m[1]), Number(m[2])] as const);
  const total = buckets.at(-1)?.[1] ?? 0;
  return buckets.find(([, count]) => count >= q * total)?.[0] ?? Infinity;
}

const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 64);
const rate = process.argv[4] ? Number(process.argv[4]) : undefined;

const pg = await startPostgres();
const mediaDir = mkdtempSync(join(tmpdir(), "waba-load-"));
const port = await freePort();
const env = instanceEnv(pg.url, { WABA_MEDIA_DIR: mediaDir, WABA_PORT: String(port), WABA_RATE_LIMIT_PER_SECOND: "1000000", WABA_RATE_LIMIT_BURST: "1000000" });
await runMigrate(loadEnv("migrate", env), createLogger({ role: "migrate", level: "silent" }));
const webapp = spawn(process.execPath, [...(process.env.PROFILE ? ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] : []), "--import", "tsx", "runtime/main.ts", "webapp"], { env: { ...process.env, ...env }, stdio: "inherit" });
const client = new Pool(`http://127.0.0.1:${port}`, { connections });
try {
  for (let ready = false; !ready;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    ready = await client.request({ method: "GET", path: "/readyz" }).then(async (r) => { await r.body.dump(); return r.statusCode === 200; }, () => false);
  }
  const auth = `Basic ${Buffer.from(`${env.WABA_API_KEY_ID}:${env.WABA_API_KEY_SECRET}`).toString("base64")}`;
  const send = async (i: number): Promise<number> => {
    const started = performance.now();
    const res = await client.request({
      method: "POST", path: "/v1/messages",
      headers: { authorization: auth, "content-type": "application/json" },
      body: JSON.stringify({ to: `+1555${String(1_000_000 + (i % 50_000))}`, type: "text", text: { body: `load message ${i}` } }),
    });
    await res.body.dump();
    if (res.statusCode !== 201) throw new Error(`HTTP ${res.statusCode}`);
    return performance.now() - started;
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => send(i))); // warm-up (key pair verified once)
  const latencies: number[] = [];
  const cpuBefore = cpuSeconds(webapp.pid!);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  if (rate === undefined) {
    await Promise.all(Array.from({ length: connections }, async () => {
      while (performance.now() < end) latencies.push(await send(n++));
    }));
  } else {
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - started) / 1000) * rate);
      while (n < due) inFlight.push(send(n++).then((ms) => { latencies.push(ms); }));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
  }
  const webappCpu = cpuSeconds(webapp.pid!) - cpuBefore;
  latencies.sort((a, b) => a - b);
  // the server's own view (arrival of the request to its answer), which excludes time queued in
  // this client: on a busy machine the load generator falls behind before the server does
  const metrics = await client.request({ method: "GET", path: "/metrics" });
  const serverP99 = histogramQuantile(await metrics.body.text(), "waba_webapp_accept_seconds", 0.99);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!.toFixed(1);
  const check = poolFromUrl(pg.url, 1);
  const rows = (await check.query<{ n: number }>("SELECT count(*)::int AS n FROM messages")).rows[0]!.n;
  await check.end();
  console.log(JSON.stringify({ seconds, connections, rate, accepted: latencies.length, perSecond: Math.round(latencies.length / seconds), p50ms: pct(0.5), p99ms: pct(0.99), maxMs: pct(1), rows, serverP99AtMostMs: serverP99 * 1000, webappCpuMsPerAccept: ((webappCpu * 1000) / latencies.length).toFixed(3) }));
} finally {
  await client.close();
  webapp.kill("SIGTERM");
  await new Promise((resolve) => webapp.once("exit", resolve));
  await pg.stop();
  rmSync(mediaDir, { recursive: true, force: true });
}
