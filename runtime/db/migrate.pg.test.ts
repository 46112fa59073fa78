import { databasePerTest } from "./testing/fresh-database.js";
import { migrate, schemaVersion, waitForSchema } from "./migrate.js";
import { latestVersion } from "./migrations/index.js";

describe("database migrations", () => {
  const db = databasePerTest();

  it("bring an empty database to the latest version, and a second run changes nothing", async () => {
    const { pool } = db();
    expect(await schemaVersion(pool)).toBe(0);
    expect(await migrate(pool)).toEqual(Array.from({ length: latestVersion }, (_, i) => i + 1));
    expect(await schemaVersion(pool)).toBe(latestVersion);
    expect(await migrate(pool)).toEqual([]);
  });

  it("are safe when several runners start at once", async () => {
    const { pool } = db();
    const runs = await Promise.all([migrate(pool), migrate(pool), migrate(pool)]);
    expect(runs.flat().sort()).toEqual(Array.from({ length: latestVersion }, (_, i) => i + 1));
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM schema_migrations");
    expect(rows[0].n).toBe(latestVersion);
  });

  it("roll back a failing migration whole, naming it", async () => {
    const { pool } = db();
    const bad = [{ version: 1, name: "broken", sql: "CREATE TABLE half (v int); SELECT no_such_function();" }];
    await expect(migrate(pool, bad)).rejects.toThrow("migration 1 (broken) failed");
    const { rows } = await pool.query("SELECT to_regclass('half') AS t");
    expect(rows[0].t).toBeNull();
  });

  it("let other roles wait until the schema is there", async () => {
    const { pool } = db();
    const waiting = waitForSchema(pool, AbortSignal.timeout(20_000), latestVersion, 50);
    await migrate(pool);
    await expect(waiting).resolves.toBeUndefined();
  });
});
