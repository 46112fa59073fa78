// Runs the numbered migrations once each, under an advisory lock so concurrent runners (several
// pods starting at once) serialise; each migration commits on its own with its version row.
import type pg from "pg";
import { latestVersion, migrations, type Migration } from "./migrations/index.js";
import { withClient } from "./transaction.js";

const lockId = 0x77616261; // "waba"

export async function migrate(pool: pg.Pool, list: readonly Migration[] = migrations): Promise<number[]> {
  return withClient(pool, async (client) => {
    const applied: number[] = [];
    try {
      await client.query("SELECT pg_advisory_lock($1)", [lockId]);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
      for (const m of list) {
        if (done.has(m.version)) continue;
        await client.query("BEGIN");
        try {
          await client.query(m.sql);
          await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
          await client.query("COMMIT");
        } catch (err) {
          await client.query("ROLLBACK");
          throw new Error(`migration ${m.version} (${m.name}) failed: ${(err as Error).message}`);
        }
        applied.push(m.version);
      }
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [lockId]).catch(() => undefined);
    }
    return applied;
  });
}

/** The schema version of the database (0 when never migrated). */
export async function schemaVersion(pool: pg.Pool): Promise<number> {
  const exists = await pool.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists.rows[0]?.t) return 0;
  const { rows } = await pool.query<{ v: number }>("SELECT coalesce(max(version), 0) AS v FROM schema_migrations");
  return rows[0]?.v ?? 0;
}

/**
 * Resolves once the schema is at least the version this build needs: roles other than `migrate`
 * call it at start and stay unready meanwhile. Rejects when `signal` aborts.
 */
export async function waitForSchema(pool: pg.Pool, signal: AbortSignal, needed = latestVersion, pollMs = 1000): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    const version = await schemaVersion(pool).catch(() => 0);
    if (version >= needed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, pollMs);
      signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}
