// A connection lost while checked out, between two queries of a transaction (as in a database
// restart), against a real PostgreSQL: the transaction fails, the process does not, and the pool
// does not hand that connection out again.
import pg from "pg";
import { databasePerTest } from "./testing/fresh-database.js";
import { inTransaction } from "./transaction.js";

const db = databasePerTest();

test("a connection lost between the queries of a transaction fails that transaction only, and is not reused", async () => {
  const { pool } = db();
  const admin = new pg.Client({ connectionString: db().url });
  await admin.connect();
  try {
    await pool.query("CREATE TABLE notes (text text)");
    let lostPid = 0;
    const transaction = inTransaction(pool, async (client) => {
      await client.query("INSERT INTO notes VALUES ('half-written')");
      lostPid = (await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid ?? 0;
      const ended = new Promise((resolve) => client.once("end", resolve));
      await admin.query("SELECT pg_terminate_backend($1)", [lostPid]);
      // Without a listener for the checked-out client's `error`, this process would end here.
      await ended;
      await client.query("INSERT INTO notes VALUES ('never')");
    });
    await expect(transaction).rejects.toThrow(/not queryable|terminat/);

    const next = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
    expect(next.rows[0]?.pid).not.toBe(lostPid);
    expect((await pool.query("SELECT text FROM notes")).rows).toEqual([]);
  } finally {
    await admin.end();
  }
});
