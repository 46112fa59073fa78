// A quick measurement (not the benchmark): how many messages per second ONE CoreApp process sends
// to the simulator (a second process), draining a backlog queued as the WebApp accepts messages,
// with delivered and read receipts written back. Run:
//   node --import tsx runtime/coreapp/testing/measure-send-rate.ts [messages=20000] [recipients=1000]
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Sealer } from "../../crypto/at-rest.js";
import { migrate } from "../../db/migrate.js";
import { poolFromUrl } from "../../db/pool.js";
import { createTestDatabase, freePort, startPostgres } from "../../db/testing/postgres.js";
import { applyShardCount } from "../../sharding/shard-map.js";
import { SimulatorClient } from "../../simulator/client.js";
import { until } from "../../simulator/testing/until.js";
import { instanceEnv } from "../../testing/env.js";
import { insertMessages, messageRow } from "../../webapp/messages/accept.js";

const total = Number(process.argv[2] ?? 20_000);
const recipientCount = Number(process.argv[3] ?? 1000);
const repoRoot = resolve(import.meta.dirname, "../../..");

// MEASURE_NODE_ARGS (e.g. "--cpu-prof") is passed to the CoreApp process.
const run = (role: string, env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(process.execPath, [...(role === "coreapp" ? (process.env.MEASURE_NODE_ARGS ?? "").split(" ").filter(Boolean) : []), "--import", "tsx", "runtime/main.ts", role], { cwd: repoRoot, env: { PATH: process.env.PATH, ...env }, stdio: ["ignore", "inherit", "inherit"] });

const server = await startPostgres();
const mediaDir = mkdtempSync(join(tmpdir(), "waba-measure-"));
const children: ChildProcess[] = [];
try {
  const db = await createTestDatabase(server.url, "measure");
  const pool = poolFromUrl(db.url, 4);
  await migrate(pool);
  await applyShardCount(pool, 1);
  const simPort = await freePort();
  children.push(run("simulator", { WABA_PORT: String(simPort), WABA_LOG_LEVEL: "warn", WABA_SIMULATOR_RECORD: "counters", WABA_SIMULATOR_DELIVERED_DELAY_MS: "10", WABA_SIMULATOR_READ_DELAY_MS: "10" }));
  const sim = new SimulatorClient(`http://127.0.0.1:${simPort}`);
  await until("the simulator", () => sim.stats(), 60_000, 200);

  const env = instanceEnv(db.url, { WABA_GATEWAY_URL: `ws://127.0.0.1:${simPort}`, WABA_MEDIA_DIR: mediaDir, WABA_LOG_LEVEL: "warn", WABA_PORT: String(await freePort()) });
  const sealer = await Sealer.fromBase64Key(env.WABA_ENCRYPTION_KEY ?? "");
  const recipients = Array.from({ length: recipientCount }, (_, i) => `49172${String(i).padStart(7, "0")}`);
  for (let i = 0; i < total; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, total - i) }, (_, k) => {
      const to = recipients[(i + k) % recipients.length] ?? "";
      return messageRow({ input: to, waId: to, type: "text", body: { type: "text", text: { body: `message ${i + k} with a body of ordinary length` } } }, undefined, sealer);
    });
    await insertMessages(pool, rows);
  }
  process.stdout.write(`queued ${total} messages to ${recipientCount} recipients; starting one CoreApp process\n`);

  children.push(run("coreapp", env));
  await until("the first delivery", async () => (await sim.stats()).received > 0, 120_000, 20);
  const start = Date.now();
  await until("every delivery", async () => (await sim.stats()).received >= total, 600_000, 50);
  const sentMs = Date.now() - start;
  await until("every message delivered in the database", async () => {
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE delivered_at IS NOT NULL");
    return (rows[0]?.n ?? 0) >= total;
  }, 600_000, 100);
  const deliveredMs = Date.now() - start;
  const stats = await sim.stats();
  const metrics = await (await fetch(`http://127.0.0.1:${env.WABA_PORT ?? ""}/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(metrics)?.[1] ?? NaN);
  const batches = metric("waba_coreapp_write_batch_seconds_count");
  process.stdout.write(`status write batches: ${batches}, mean ${((metric("waba_coreapp_write_batch_seconds_sum") / batches) * 1000).toFixed(1)} ms; resends ${metric("waba_coreapp_resends_total")}\n`);
  process.stdout.write(`one CoreApp process: ${total} messages sent in ${sentMs} ms = ${Math.round((total / sentMs) * 1000)} messages/s to the network; ` +
    `all delivered (statuses written) after ${deliveredMs} ms = ${Math.round((total / deliveredMs) * 1000)}/s; duplicates ${stats.duplicates}\n`);
  await sim.close();
  await pool.end();
} finally {
  for (const c of children) c.kill("SIGTERM");
  await Promise.all(children.map((c) => new Promise((done) => { if (c.exitCode !== null) done(null); else c.once("exit", done); })));
  await server.stop();
  rmSync(mediaDir, { recursive: true, force: true });
}
