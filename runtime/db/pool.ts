// One pg.Pool per process, built from the environment. Keep-alive connections, bounded size,
// and a statement timeout so a stuck query cannot hold a request forever.
import pg from "pg";
import type { RoleConfig } from "../config/env.js";
import type { Logger } from "../observability/logger.js";

type DbConfig = Pick<RoleConfig<"migrate">,
  "WABA_DATABASE_HOST" | "WABA_DATABASE_PORT" | "WABA_DATABASE_NAME" | "WABA_DATABASE_USER" | "WABA_DATABASE_PASSWORD" | "WABA_DATABASE_SSLMODE">;

export interface PoolOptions {
  readonly max?: number;
  readonly applicationName?: string;
  /**
   * Plans never scan a table whole when an index can answer. For roles whose prepared statements
   * look rows up by key in tables that start empty: PostgreSQL caches a statement's generic plan
   * after five runs, and one chosen while the table was tiny (a new instance, a benchmark) keeps
   * scanning it, ever slower, until the table is next analyzed.
   */
  readonly indexScansOnly?: boolean;
}

export function createPool(config: DbConfig, logger: Logger, options: PoolOptions = {}): pg.Pool {
  const ssl = config.WABA_DATABASE_SSLMODE === "disable" ? false : { rejectUnauthorized: config.WABA_DATABASE_SSLMODE === "verify-full" };
  const pool = new pg.Pool({
    host: config.WABA_DATABASE_HOST,
    port: config.WABA_DATABASE_PORT,
    database: config.WABA_DATABASE_NAME,
    user: config.WABA_DATABASE_USER,
    password: config.WABA_DATABASE_PASSWORD,
    ssl,
    max: options.max ?? 10,
    keepAlive: true,
    // Connections stay open once made (pg's default closes one after 10 s idle): under a burst the
    // pool grows, and reopening later put a backend start and fresh statement plans on the path
    // of the next burst's requests.
    idleTimeoutMillis: 0,
    statement_timeout: 30_000,
    application_name: options.applicationName ?? "waba",
    onConnect: onConnectOf(options),
  });
  return survivingConnectionErrors(pool, (err) => { logger.warn({ err: err.message }, "idle database connection lost"); });
}

/** A pool for a database URL (tests and tools). */
export function poolFromUrl(url: string, max = 10, options: Pick<PoolOptions, "indexScansOnly"> = {}): pg.Pool {
  return survivingConnectionErrors(new pg.Pool({ connectionString: url, max, keepAlive: true, onConnect: onConnectOf(options) }), () => undefined);
}

/**
 * pg-pool emits `error` when an idle connection breaks (a database restart terminates every
 * backend), and an EventEmitter's `error` without a listener ends the process. The pool has
 * already dropped that connection and opens a new one when next asked, so the error is only
 * reported. pg-pool stops listening as it hands a client out, and a FATAL arriving while it is
 * checked out (a restart right then) would end the process, even in the microtask before a holder
 * could listen. So every client keeps a listener of its own for its whole life; the holder learns
 * of the loss from its queries, which fail, and pg-pool does not reuse a client that lost its
 * connection.
 */
function survivingConnectionErrors(pool: pg.Pool, report: (err: Error) => void): pg.Pool {
  pool.on("error", report);
  pool.on("connect", (client) => { client.on("error", () => undefined); });
  return pool;
}

/**
 * See PoolOptions.indexScansOnly. A SET on each new connection rather than the `options` startup
 * parameter, which poolers such as PgBouncer refuse. pg-pool awaits the hook before it hands the
 * connection out (a query given meanwhile would queue behind the SET, which pg deprecates), and
 * closes a connection on which it failed instead of using it.
 */
function onConnectOf(options: Pick<PoolOptions, "indexScansOnly">): pg.PoolConfig["onConnect"] {
  if (!options.indexScansOnly) return undefined;
  // @types/pg types the hook as returning void; pg-pool awaits the promise it returns.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  return async (client) => { await client.query("SET enable_seqscan = off"); };
}

/**
 * Resolves once the database answers. The migrate Job may start before PostgreSQL is up: it
 * waits (with a capped backoff) instead of failing and burning the Job's retries.
 */
export async function waitForDatabase(pool: pg.Pool, signal: AbortSignal, onRetry: (err: Error) => void = () => undefined): Promise<void> {
  for (let delay = 200; ; delay = Math.min(delay * 2, 5000)) {
    signal.throwIfAborted();
    try {
      await pool.query("SELECT 1");
      return;
    } catch (err) {
      onRetry(err as Error);
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}
