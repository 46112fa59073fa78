// The role pools against a real PostgreSQL: a pool that asks for index scans only has them on
// every connection before the first statement it runs, and a pool whose connections the server
// terminates (as a restart does), idle or just handed out, reports it and carries on.
import pg from "pg";
import { loadEnv } from "../config/env.js";
import { createLogger } from "../observability/logger.js";
import { until } from "../simulator/testing/until.js";
import { instanceEnv } from "../testing/env.js";
import { createPool } from "./pool.js";
import { databasePerTest } from "./testing/fresh-database.js";

const db = databasePerTest();
const configOf = (url: string) => loadEnv("migrate", instanceEnv(url));
const silent = createLogger({ role: "test", level: "silent" });

test("indexScansOnly turns sequential scans off on each new connection, before its first statement", async () => {
  const pool = createPool(configOf(db().url), silent, { max: 3, indexScansOnly: true });
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
  const pool = createPool(configOf(db().url), silent, { max: 1 });
  try {
    expect((await pool.query<{ enable_seqscan: string }>("SHOW enable_seqscan")).rows[0]?.enable_seqscan).toBe("on");
  } finally {
    await pool.end();
  }
});

test("idle connections the server terminates are reported, not thrown, and the pool opens new ones", async () => {
  const lines: string[] = [];
  const logger = createLogger({ role: "test", level: "info" }, { write: (line: string) => { lines.push(line); } });
  const pool = createPool(configOf(db().url), logger, { max: 2, applicationName: "pool-under-test" });
  const admin = new pg.Client({ connectionString: db().url });
  await admin.connect();
  try {
    const clients = await Promise.all([pool.connect(), pool.connect()]);
    for (const c of clients) c.release();
    const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pool-under-test'");
    expect(rowCount).toBe(2);
    // Without a listener, pg-pool's `error` event would have ended this process here.
    await until("both losses reported", () => pool.totalCount === 0 && lines.length === 2);
    const warning = { level: 40, msg: "idle database connection lost", err: "terminating connection due to administrator command" };
    expect(lines.map((l) => JSON.parse(l) as unknown)).toMatchObject([warning, warning]);
    expect((await pool.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
  } finally {
    await admin.end();
    await pool.end();
  }
});

test("a connection cut while its client is checked out, before the holder listens for errors, is not thrown", async () => {
  const pool = createPool(configOf(db().url), silent, { max: 1, applicationName: "pool-under-test" });
  const admin = new pg.Client({ connectionString: db().url });
  await admin.connect();
  try {
    // pg-pool stops listening when it hands a client out; until its holder listens (a microtask
    // later at best), a FATAL from the server would be an `error` event nobody handles.
    const client = await pool.connect();
    const ended = new Promise((resolve) => client.once("end", resolve));
    await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pool-under-test'");
    await ended;
    await expect(client.query("SELECT 1")).rejects.toThrow();
    client.release(true);
    expect((await pool.query<{ n: number }>("SELECT 1 AS n")).rows).toEqual([{ n: 1 }]);
  } finally {
    await admin.end();
    await pool.end();
  }
});
