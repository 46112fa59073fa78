import pg from "pg";
import { createTestDatabase, startPostgres } from "./postgres.js";

const serverUrl = () => {
  const url = process.env.WABA_TEST_DATABASE_URL;
  if (!url) throw new Error("WABA_TEST_DATABASE_URL is not set: run through the postgres jest project");
  return url;
};

describe("the test PostgreSQL harness", () => {
  it("gives each suite its own empty database on the shared server", async () => {
    const db = await createTestDatabase(serverUrl());
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public'");
    expect(rows[0]?.n).toBe("0");
    await client.end();
    await db.drop();
  });

  it("restarts a private server in place, keeping its data", async () => {
    const server = await startPostgres();
    try {
      const c1 = new pg.Client({ connectionString: server.url });
      await c1.connect();
      await c1.query("CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
      await c1.end();
      await server.restart();
      const c2 = new pg.Client({ connectionString: server.url });
      await c2.connect();
      const { rows } = await c2.query<{ v: number }>("SELECT v FROM kept");
      expect(rows).toEqual([{ v: 42 }]);
      await c2.end();
    } finally {
      await server.stop();
    }
  });
});
