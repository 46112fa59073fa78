// The role pools against a real PostgreSQL: a pool that asks for index scans only has them on
// every connection before the first statement it runs.
import { loadEnv } from "../config/env.js";
import { instanceEnv } from "../testing/env.js";
import { createPool } from "./pool.js";
import { databasePerTest } from "./testing/fresh-database.js";

const db = databasePerTest();
const configOf = (url: string) => loadEnv("migrate", instanceEnv(url));

test("indexScansOnly turns sequential scans off on each new connection, before its first statement", async () => {
  const pool = createPool(configOf(db().url), { max: 3, indexScansOnly: true });
  try {
    const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
    const settings = await Promise.all(clients.map(async (c) => (await c.query<{ enable_seqscan: string }>("SHOW enable_seqscan")).rows[0]?.enable_seqscan));
    for (const c of clients) c.release();
    expect(settings).toEqual(["off", "off", "off"]);
  } finally {
    await pool.end();
  }
});

test("other pools keep the planner's defaults", async () => {
  const pool = createPool(configOf(db().url), { max: 1 });
  try {
    expect((await pool.query<{ enable_seqscan: string }>("SHOW enable_seqscan")).rows[0]?.enable_seqscan).toBe("on");
  } finally {
    await pool.end();
  }
});
