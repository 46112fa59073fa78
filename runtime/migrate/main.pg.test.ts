import { verifySecret } from "../crypto/password.js";
import { databasePerTest } from "../db/testing/fresh-database.js";
import { startPostgres } from "../db/testing/postgres.js";
import { poolFromUrl } from "../db/pool.js";
import { createLogger } from "../observability/logger.js";
import { loadEnv } from "../config/env.js";
import { instanceEnv } from "../testing/env.js";
import { runMigrate } from "./main.js";

const logger = createLogger({ role: "migrate", level: "silent" });

describe("the migrate role", () => {
  const db = databasePerTest();
  const base = () => instanceEnv(db().url, { WABA_SHARDS: "4" });
  const config = (over: NodeJS.ProcessEnv = {}) => loadEnv("migrate", { ...base(), ...over });

  it("creates the admin once, who must change the password, and never overwrites it", async () => {
    await runMigrate(config(), logger);
    const first = (await db().pool.query("SELECT password_hash, must_change_password FROM users WHERE username = 'admin'")).rows[0];
    expect(first.must_change_password).toBe(true);
    await expect(verifySecret("Initial-Pass-1", first.password_hash)).resolves.toBe(true);

    await runMigrate(config({ WABA_ADMIN_PASSWORD: "Other-Pass-2" }), logger);
    const again = (await db().pool.query("SELECT password_hash FROM users WHERE username = 'admin'")).rows[0];
    expect(again.password_hash).toBe(first.password_hash);
  });

  it("keeps the machine key pair in step with the Secret, storing only a hash", async () => {
    await runMigrate(config(), logger);
    await runMigrate(config({ WABA_API_KEY_SECRET: "rotated-secret-987654321" }), logger);
    const { rows } = await db().pool.query("SELECT secret_hash FROM api_keys WHERE key_id = 'machine-key'");
    expect(rows).toHaveLength(1);
    expect(rows[0].secret_hash).not.toContain("rotated");
    await expect(verifySecret("rotated-secret-987654321", rows[0].secret_hash)).resolves.toBe(true);
  });

  it("adds a shard-map generation only when the shard count changes", async () => {
    await runMigrate(config(), logger);
    await runMigrate(config(), logger);
    await runMigrate(config({ WABA_SHARDS: "8" }), logger);
    const { rows } = await db().pool.query("SELECT generation::int, shards FROM shard_map ORDER BY generation");
    expect(rows).toEqual([{ generation: 1, shards: 4 }, { generation: 2, shards: 8 }]);
  });
});

describe("the migrate role, started before its database", () => {
  it("waits for PostgreSQL to come up, then migrates", async () => {
    const server = await startPostgres();
    const lines: string[] = [];
    const watched = createLogger({ role: "migrate", level: "info" }, { write: (line: string) => { lines.push(line); } });
    try {
      await server.pause();
      const running = runMigrate(loadEnv("migrate", instanceEnv(server.url)), watched);
      await waitUntil(() => lines.some((l) => l.includes("waiting for the database")));
      await server.resume();
      await running;
      const pool = poolFromUrl(server.url);
      const { rows } = await pool.query("SELECT shards FROM shard_map");
      expect(rows).toEqual([{ shards: 1 }]);
      await pool.end();
    } finally {
      await server.stop();
    }
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
