// A test instance for CoreApp suites: its own migrated database with a shard map, a real
// simulator on loopback, a media directory, and CoreApps started in-process or as real processes
// (`node --import tsx runtime/main.ts coreapp`, for kill -9). Messages are queued exactly as the
// WebApp accepts them (its own insert). close() stops everything it started.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type pg from "pg";
import { pino } from "pino";
import { loadEnv } from "../../config/env.js";
import { Sealer } from "../../crypto/at-rest.js";
import { migrate } from "../../db/migrate.js";
import { poolFromUrl } from "../../db/pool.js";
import { createTestDatabase } from "../../db/testing/postgres.js";
import type { ShardCount } from "../../sharding/hash.js";
import { applyShardCount } from "../../sharding/shard-map.js";
import { SimulatorClient } from "../../simulator/client.js";
import { startSimulator, type SimulatorService } from "../../simulator/main.js";
import { instanceEnv } from "../../testing/env.js";
import { insertMessages, messageRow } from "../../webapp/messages/accept.js";
import type { MessageType } from "../../webapp/messages/schema.js";
import { startCoreapp, type CoreappOptions, type CoreappService } from "../main.js";

export interface CoreappProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the process wrote (for a failing test's message). */
  output(): string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<number | string>;
}

export interface TestInstance {
  readonly env: NodeJS.ProcessEnv;
  readonly pool: pg.Pool;
  readonly sealer: Sealer;
  readonly sim: SimulatorService;
  readonly control: SimulatorClient;
  /** The business number as a wa_id. */
  readonly business: string;
  startCoreapp(options?: CoreappOptions): Promise<CoreappService>;
  spawnCoreapp(name: string): CoreappProcess;
  /** Queues messages as POST /v1/messages does; their ids in order. */
  queue(items: readonly { to: string; body: Record<string, unknown> }[]): Promise<string[]>;
  queueText(to: string, text: string): Promise<string>;
  setShards(shards: ShardCount): Promise<void>;
  close(): Promise<void>;
}

const repoRoot = resolve(import.meta.dirname, "../../..");

export async function startTestInstance(options: { shards?: ShardCount; leaseSeconds?: number; simulatorEnv?: NodeJS.ProcessEnv } = {}): Promise<TestInstance> {
  const db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL ?? "", "coreapp");
  const pool = poolFromUrl(db.url, 6);
  await migrate(pool);
  await applyShardCount(pool, options.shards ?? 1);
  const simEnv = { WABA_PORT: "0", WABA_LOG_LEVEL: "silent", WABA_SIMULATOR_DELIVERED_DELAY_MS: "5", WABA_SIMULATOR_READ_DELAY_MS: "10", ...options.simulatorEnv };
  const sim = await startSimulator(loadEnv("simulator", simEnv), pino({ level: "silent" }), simEnv, "127.0.0.1");
  const control = new SimulatorClient(sim.httpUrl);
  const mediaDir = mkdtempSync(join(tmpdir(), "waba-coreapp-media-"));
  const env = instanceEnv(db.url, {
    WABA_GATEWAY_URL: sim.gatewayUrl, WABA_MEDIA_DIR: mediaDir, WABA_LEASE_SECONDS: String(options.leaseSeconds ?? 6), WABA_LOG_LEVEL: "silent",
  });
  const sealer = await Sealer.fromBase64Key(env.WABA_ENCRYPTION_KEY ?? "");
  const services: CoreappService[] = [];
  const processes: CoreappProcess[] = [];
  let n = 0;

  const queue = async (items: readonly { to: string; body: Record<string, unknown> }[]) => {
    const rows = items.map((m) => messageRow({ input: m.to, waId: m.to, type: m.body.type as MessageType, body: m.body }, undefined, sealer));
    return insertMessages(pool, rows);
  };

  return {
    env, pool, sealer, sim, control,
    business: (env.WABA_PHONE_NUMBER ?? "").slice(1),
    async startCoreapp(coreappOptions = {}) {
      const service = await startCoreapp(loadEnv("coreapp", env), pino({ level: "silent" }), env, { nodeId: `inproc-${++n}`, host: "127.0.0.1", ...coreappOptions });
      services.push(service);
      return service;
    },
    spawnCoreapp(name) {
      const child = spawn(process.execPath, ["--import", "tsx", "runtime/main.ts", "coreapp"], {
        cwd: repoRoot, env: { PATH: process.env.PATH, ...env, WABA_LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d: Buffer) => { output += d.toString(); });
      child.stderr.on("data", (d: Buffer) => { output += d.toString(); });
      const exited = new Promise<number | string>((done) => { child.once("exit", (code, signal) => { done(code ?? signal ?? "unknown"); }); });
      const proc: CoreappProcess = { name, pid: child.pid ?? 0, child, exited, output: () => output };
      processes.push(proc);
      return proc;
    },
    queue,
    async queueText(to, text) {
      const [id] = await queue([{ to, body: { type: "text", text: { body: text, preview_url: false } } }]);
      return id ?? "";
    },
    async setShards(shards) {
      await applyShardCount(pool, shards);
    },
    async close() {
      for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL");
      await Promise.all(processes.map((p) => p.exited));
      await Promise.all(services.map((s) => s.stop()));
      await control.close();
      await sim.stop();
      await pool.end();
      await db.drop();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}
