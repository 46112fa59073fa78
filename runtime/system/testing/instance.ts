// One whole instance as real processes, as a pod set would run it: PostgreSQL (a database on a
// given server, or a private server), the simulator (the WhatsApp network), `migrate` run to
// completion, the WebApp, N+1 CoreApps for N shards, and the webhook dispatcher with the
// operator-managed endpoints given. Every process writes its stdout and stderr to a file in one
// temporary directory (`logDir`); stop() ends every process and the database and checks that
// none is left. Used by the whole-runtime suite and by the benchmark (bench/).
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "../../config/env.js";
import { createTestDatabase, freePort, startPostgres, type PostgresServer } from "../../db/testing/postgres.js";
import type { ShardCount } from "../../sharding/hash.js";
import { SimulatorClient } from "../../simulator/client.js";
import { until } from "../../simulator/testing/until.js";
import { instanceEnv } from "../../testing/env.js";
import { HttpClient } from "./http.js";
import { processExists, spawnLogged, type LoggedProcess } from "./processes.js";

export interface OperatorWebhook {
  readonly url: string;
  readonly format: "onprem" | "cloud";
  readonly secret: string;
  readonly events?: readonly ("messages" | "statuses")[];
}

export interface SystemOptions {
  /** Superuser URL of a PostgreSQL server to create the instance's database on; default: a private server. */
  readonly serverUrl?: string;
  /** @default 2 */
  readonly shards?: ShardCount;
  /** @default shards + 1 (a spare) */
  readonly coreapps?: number;
  /** Operator-managed webhook endpoints (WABA_WEBHOOKS and their secrets). */
  readonly webhooks?: readonly OperatorWebhook[];
  /** Variables of the instance's roles, over the generated ones (e.g. rate limits). */
  readonly env?: NodeJS.ProcessEnv;
  /** Variables of the simulator (delays, recording). */
  readonly simulatorEnv?: NodeJS.ProcessEnv;
  /** @default "info" */
  readonly logLevel?: string;
  /** Node flags per role, e.g. { coreapp: ["--cpu-prof", "--cpu-prof-dir=/tmp/prof"] }. */
  readonly nodeArgs?: Partial<Record<Role, readonly string[]>>;
  /** Each role in a session (scheduling group) of its own, as in a cluster: see spawnLogged. @default false */
  readonly ownSessions?: boolean;
  /** Run the build output (dist/, what the image runs) instead of the sources through tsx. @default false */
  readonly compiled?: boolean;
  /** @default 180000 (process start-up under tsx on a loaded 2-core machine is slow) */
  readonly startTimeoutMs?: number;
}

/** Every secret the instance was given, for tests that prove none leaks. */
export interface SystemSecrets {
  readonly adminPassword: string;
  readonly apiKey: string;
  readonly apiKeySecret: string;
  readonly encryptionKey: string;
  readonly tokenSigningKey: string;
  readonly databasePassword: string;
  readonly webhookSecrets: readonly string[];
}

export interface RunningSystem {
  /** The instance's environment (what the operator would give its pods). */
  readonly env: NodeJS.ProcessEnv;
  readonly secrets: SystemSecrets;
  readonly shards: ShardCount;
  /** http://127.0.0.1:port of the WebApp. */
  readonly webappUrl: string;
  readonly simulatorUrl: string;
  readonly databaseUrl: string;
  /** The private server, when no serverUrl was given. */
  readonly postgres: PostgresServer | undefined;
  readonly logDir: string;
  /** Every process started, the finished `migrate` included. */
  readonly processes: readonly LoggedProcess[];
  /** WABA_PORT of each long-running process, by name (its /healthz, /readyz and /metrics). */
  readonly ports: ReadonlyMap<string, number>;
  /** The simulator's control API. */
  readonly sim: SimulatorClient;
  /** The WebApp's API. */
  readonly api: HttpClient;
  /** Each process's log, by process name. */
  logs(): Map<string, string>;
  /** Stops every process (graceful, then SIGKILL), drops the database or stops the private server; throws if a process is left. */
  stop(): Promise<void>;
  /** Removes the log directory. */
  removeLogs(): void;
}

const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString("base64url")}`;

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  const shards = options.shards ?? 2;
  const coreappCount = options.coreapps ?? shards + 1;
  const timeoutMs = options.startTimeoutMs ?? 180_000;
  const logDir = mkdtempSync(join(tmpdir(), "waba-system-"));
  const postgres = options.serverUrl ? undefined : await startPostgres();
  const db = await createTestDatabase(options.serverUrl ?? postgres?.url ?? "", "system");
  const processes: LoggedProcess[] = [];
  const portsByName = new Map<string, number>();
  const sim = { port: await freePort() };
  const ports = { webapp: await freePort(), webhook: await freePort() };
  const hooks = options.webhooks ?? [];
  const secrets: SystemSecrets = {
    adminPassword: `${secret("Adm")}-1a!`,
    apiKey: secret("monitoring"),
    apiKeySecret: secret("machine-secret"),
    encryptionKey: randomBytes(32).toString("base64"),
    tokenSigningKey: randomBytes(32).toString("base64"),
    databasePassword: secret("db-password"),
    webhookSecrets: hooks.map((h) => h.secret),
  };
  const env = instanceEnv(db.url, {
    WABA_INSTANCE: "system",
    WABA_LOG_LEVEL: options.logLevel ?? "info",
    WABA_DATABASE_PASSWORD: secrets.databasePassword, // the test servers trust loopback; the value only has to stay secret
    WABA_ENCRYPTION_KEY: secrets.encryptionKey,
    WABA_TOKEN_SIGNING_KEY: secrets.tokenSigningKey,
    WABA_API_KEY: secrets.apiKey,
    WABA_ADMIN_PASSWORD: secrets.adminPassword,
    WABA_API_KEY_ID: "machine-key",
    WABA_API_KEY_SECRET: secrets.apiKeySecret,
    WABA_SHARDS: String(shards),
    WABA_GATEWAY_URL: `ws://127.0.0.1:${sim.port}`,
    WABA_MEDIA_DIR: join(logDir, "media"),
    WABA_WEBHOOKS: JSON.stringify(hooks.map((h, i) => ({ url: h.url, format: h.format, events: h.events ?? [], secretEnv: `WABA_WEBHOOK_SECRET_${i}` }))),
    ...Object.fromEntries(hooks.map((h, i) => [`WABA_WEBHOOK_SECRET_${i}`, h.secret])),
    ...options.env,
  });
  const simulatorUrl = `http://127.0.0.1:${sim.port}`;
  const webappUrl = `http://127.0.0.1:${ports.webapp}`;
  const simClient = new SimulatorClient(simulatorUrl);
  const api = new HttpClient(webappUrl);

  const spawn = (role: Role, name: string, extra: NodeJS.ProcessEnv = {}) => {
    const p = spawnLogged(role, name, { ...env, ...extra }, logDir, options.nodeArgs?.[role] ?? [], options.ownSessions, options.compiled);
    processes.push(p);
    if (extra.WABA_PORT) portsByName.set(name, Number(extra.WABA_PORT));
    return p;
  };
  const logs = () => new Map(readdirSync(logDir).filter((f) => f.endsWith(".log")).map((f) => [f.slice(0, -4), readFileSync(join(logDir, f), "utf8")]));
  const describe = () => [...logs()].map(([name, text]) => `--- ${name}\n${text.slice(-3000)}`).join("\n");

  let stopped: Promise<void> | undefined;
  const stop = async () => {
    // The WebApp first (no new accepts), the network last (CoreApps drain against it).
    const order = ["webapp", "webhook", "coreapp", "simulator", "migrate"];
    for (const role of order) await Promise.all(processes.filter((p) => p.role === role).map((p) => p.stop()));
    await Promise.allSettled([simClient.close(), api.close()]);
    await db.drop().catch(() => undefined);
    await postgres?.stop();
    const left = processes.filter((p) => p.running() || processExists(p.pid));
    if (left.length) throw new Error(`processes left running: ${left.map((p) => `${p.name} (${p.pid})`).join(", ")}`);
  };
  const system: RunningSystem = {
    env, secrets, shards, webappUrl, simulatorUrl, databaseUrl: db.url, postgres, logDir, processes, ports: portsByName, sim: simClient, api, logs,
    stop: () => (stopped ??= stop()),
    removeLogs: () => { rmSync(logDir, { recursive: true, force: true }); },
  };

  try {
    spawn("simulator", "simulator", { WABA_PORT: String(sim.port), ...options.simulatorEnv });
    const migrate = spawn("migrate", "migrate");
    const migrated = await migrate.exited;
    if (migrated !== 0) throw new Error(`migrate ended with ${migrated}`);
    spawn("webapp", "webapp", { WABA_PORT: String(ports.webapp) });
    spawn("webhook", "webhook", { WABA_PORT: String(ports.webhook) });
    const coreapps = await Promise.all(Array.from({ length: coreappCount }, async (_, i) => {
      const port = await freePort();
      return { port, process: spawn("coreapp", `coreapp-${i}`, { WABA_PORT: String(port) }) };
    }));
    const ready = async (name: string, port: number) => {
      const ops = new HttpClient(`http://127.0.0.1:${port}`, 1);
      try {
        await until(`${name} ready`, async () => {
          const dead = processes.find((p) => !p.running() && p.role !== "migrate");
          if (dead) throw new Error(`${dead.name} exited`);
          return (await ops.request("GET", "/readyz")).status === 200;
        }, timeoutMs, 250);
      } finally {
        await ops.close();
      }
    };
    await Promise.all([
      ready("simulator", sim.port), ready("webapp", ports.webapp), ready("webhook", ports.webhook),
      ...coreapps.map((c) => ready(c.process.name, c.port)),
    ]);
    // Every shard has a connected owner, as the instance itself reports it (GET /v1/health).
    await until("every shard owned and connected (GET /v1/health)", async () => {
      const { health } = (await api.request("GET", "/v1/health", { auth: `Apikey ${secrets.apiKey}` })).json() as { health: Record<string, unknown> };
      // One CoreApp answers the single-node shape, several a node map with the WebApp's overall view.
      if (health.gateway_status !== undefined) return health.gateway_status === "connected";
      return Object.values(health).some((n) => (n as { role?: string }).role === "webapp" && (n as { gateway_status?: string }).gateway_status === "connected");
    }, timeoutMs, 250);
  } catch (err) {
    const details = describe();
    await system.stop().catch(() => undefined);
    throw new Error(`the instance did not start: ${(err as Error).message}\n${details}`);
  }
  return system;
}
