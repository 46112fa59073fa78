// A throwaway PostgreSQL server for tests: initdb into a temporary directory, listen on a free
// loopback port, fsync off. PostgreSQL refuses to run as root, so as root it runs as the
// `postgres` user that Debian's package creates.
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresServer {
  /** Superuser URL of the server (database `postgres`). */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
  /** Stops the server (fast shutdown, like a crash for clients) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server, keeping its data and port, until resume(). */
  pause(): Promise<void>;
  resume(): Promise<void>;
}

function binDir(): string {
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = versions.map((v) => join(base, v, "bin")).find((d) => existsSync(join(d, "pg_ctl")));
  if (!dir) throw new Error("PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)");
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => { resolve(typeof addr === "object" && addr ? addr.port : 0); });
    });
  });
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = binDir();
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), "waba-pg-"));
  if (asRoot) chownSync(dir, ...postgresIds());
  const data = join(dir, "data");
  const pgRun = (cmd: string, args: string[]) =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]) : run(join(bin, cmd), args);

  await pgRun("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
  const port = await freePort();
  const options = [
    `-p ${port}`, "-c listen_addresses=127.0.0.1", `-c unix_socket_directories=${dir}`,
    "-c fsync=off", "-c full_page_writes=off", "-c max_connections=300", "-c shared_buffers=256MB",
  ].join(" ");
  const start = () => pgRun("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "server.log"), "-w", "-t", "60", "start"]);
  const stop = (mode: string) => pgRun("pg_ctl", ["-D", data, "-m", mode, "-w", "-t", "60", "stop"]);
  await start();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await stop("immediate").catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await stop("fast");
      await start();
    },
    async pause() {
      await stop("fast");
    },
    async resume() {
      await start();
    },
  };
}

function postgresIds(): [number, number] {
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return [id("-u"), id("-g")];
}

/** Creates an empty database named for one suite and returns its URL and a function that drops it. */
export async function createTestDatabase(serverUrl: string, prefix = "t"): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = serverUrl.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

declare global {
  var __wabaPostgres: PostgresServer | undefined;
}

/**
 * Jest global setup of the `postgres` project: one server for every *.pg.test.ts suite of the
 * run, unless WABA_TEST_DATABASE_URL already names one. Suites read the URL from that variable.
 * Jest loads global setup through Node's own loader, which cannot follow relative .ts imports:
 * that is why this module imports nothing of the project's.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.WABA_TEST_DATABASE_URL) return;
  const server = await startPostgres();
  globalThis.__wabaPostgres = server;
  process.env.WABA_TEST_DATABASE_URL = server.url;
}
