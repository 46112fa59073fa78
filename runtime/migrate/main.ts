// The `migrate` role: run by the operator as a Job before new runtime versions start and when the
// shard count changes. Migrates the schema, seeds the credentials from the instance Secret, and
// applies the shard count. Safe to run any number of times, and while older pods run.
import type pg from "pg";
import type { RoleConfig } from "../config/env.js";
import { hashSecret, verifySecret } from "../crypto/password.js";
import { migrate } from "../db/migrate.js";
import { createPool, waitForDatabase } from "../db/pool.js";
import type { Logger } from "../observability/logger.js";
import type { ShardCount } from "../sharding/hash.js";
import { applyShardCount } from "../sharding/shard-map.js";

/** How long the migrate step waits for the database to come up before giving up. */
const databaseDeadlineMs = 10 * 60_000;

export async function runMigrate(config: RoleConfig<"migrate">, logger: Logger, signal = AbortSignal.timeout(databaseDeadlineMs)): Promise<void> {
  const pool = createPool(config, logger, { max: 2, applicationName: "waba-migrate" });
  try {
    let warned = false;
    await waitForDatabase(pool, signal, (err) => {
      if (!warned) logger.warn({ reason: err.message }, "waiting for the database");
      warned = true;
    });
    const applied = await migrate(pool);
    logger.info({ applied }, applied.length ? "schema migrated" : "schema already current");
    await seedCredentials(pool, config, logger);
    const map = await applyShardCount(pool, config.WABA_SHARDS as ShardCount);
    logger.info({ generation: map.generation, shards: map.shards }, "shard map applied");
  } finally {
    await pool.end();
  }
}

/**
 * The admin user is created once with the initial password and must change it at first login;
 * later runs never touch it. The machine key pair follows the Secret: a changed secret replaces
 * the stored hash.
 */
export async function seedCredentials(
  pool: pg.Pool,
  config: Pick<RoleConfig<"migrate">, "WABA_ADMIN_PASSWORD" | "WABA_API_KEY_ID" | "WABA_API_KEY_SECRET">,
  logger: Logger,
): Promise<void> {
  const admin = await pool.query("SELECT 1 FROM users WHERE username = 'admin'");
  if (admin.rowCount === 0) {
    const inserted = await pool.query(
      "INSERT INTO users (username, role, password_hash, must_change_password) VALUES ('admin', 'ROLE_ADMIN', $1, true) ON CONFLICT DO NOTHING",
      [await hashSecret(config.WABA_ADMIN_PASSWORD)],
    );
    if (inserted.rowCount) logger.info("admin user created; its password must be changed at first login");
  }
  const key = await pool.query<{ secret_hash: string }>("SELECT secret_hash FROM api_keys WHERE key_id = $1", [config.WABA_API_KEY_ID]);
  const stored = key.rows[0]?.secret_hash;
  if (!stored || !(await verifySecret(config.WABA_API_KEY_SECRET, stored))) {
    await pool.query(
      `INSERT INTO api_keys (key_id, secret_hash, role) VALUES ($1, $2, 'ROLE_ADMIN')
       ON CONFLICT (key_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
      [config.WABA_API_KEY_ID, await hashSecret(config.WABA_API_KEY_SECRET)],
    );
    logger.info({ keyId: config.WABA_API_KEY_ID }, stored ? "API key secret replaced" : "API key created");
  }
}
