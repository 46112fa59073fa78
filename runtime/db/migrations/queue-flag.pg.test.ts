import type pg from "pg";
import { databasePerTest } from "../testing/fresh-database.js";
import { migrate } from "../migrate.js";
import { migrations } from "./index.js";

// Migration 4 moves the queue index from `status = 'queued'` to a `queued` column kept by a
// trigger. What must hold: messages written as the previous version writes them (status only)
// are in the queue exactly while queued, rows queued before the migration stay queued, and a
// receipt after `sent` no longer adds index entries (a HOT update). Migration 5: the trigger's
// function runs only for writers that leave the flag wrong.
describe("the queue flag (migrations 4 and 5)", () => {
  const db = databasePerTest();

  const insert = (id: string) => db().pool.query(
    "INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) VALUES ($1, '491700000000', 1, 1, 'text', '\\x00')", [id]);
  const queue = async () => (await db().pool.query<{ id: string }>("SELECT id FROM messages WHERE bucket = 1 AND queued ORDER BY seq")).rows.map((r) => r.id);
  /** Runs `work` in one transaction that is rolled back: pg_stat_xact_* count its own work at once. */
  const rolledBack = async (work: (client: pg.PoolClient) => Promise<void>) => {
    const client = await db().pool.connect();
    try {
      await client.query("BEGIN");
      await work(client);
    } finally {
      await client.query("ROLLBACK");
      client.release();
    }
  };

  it("keeps rows queued before it in the queue, and the rest out", async () => {
    const { pool } = db();
    await migrate(pool, migrations.filter((m) => m.version < 4));
    await insert("wamid.waiting");
    await insert("wamid.gone");
    await pool.query("UPDATE messages SET status = 'sent' WHERE id = 'wamid.gone'");
    await migrate(pool);
    expect(await queue()).toEqual(["wamid.waiting"]);
  });

  it("follows status changes written without the column, as the previous version writes them", async () => {
    const { pool } = db();
    await migrate(pool);
    await insert("wamid.a");
    await insert("wamid.b");
    expect(await queue()).toEqual(["wamid.a", "wamid.b"]);
    await pool.query("UPDATE messages SET status = 'sent' WHERE id = 'wamid.a'");
    await pool.query("UPDATE messages SET status = 'failed' WHERE id = 'wamid.b'");
    expect(await queue()).toEqual([]);
    const { rows } = await pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexdef LIKE '%WHERE%'");
    expect(rows.map((r) => r.indexdef)).toEqual(["CREATE INDEX messages_queue ON public.messages USING btree (bucket, seq) WHERE queued"]);
  });

  it("makes the receipts after sent HOT updates (no new index entries)", async () => {
    const { pool } = db();
    await migrate(pool);
    await rolledBack(async (client) => {
      await client.query("INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) VALUES ('wamid.r', '491700000000', 1, 1, 'text', '\\x00')");
      for (const [status, column] of [["sent", "sent_at"], ["delivered", "delivered_at"], ["read", "read_at"]]) {
        await client.query(`UPDATE messages SET status = $1, ${column ?? ""} = now() WHERE id = 'wamid.r'`, [status]);
      }
      const { rows } = await client.query<{ upd: string; hot: string }>(
        "SELECT n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_xact_user_tables WHERE relname = 'messages'");
      // Leaving the queue changes the indexed flag; delivered and read do not.
      expect(rows[0]).toEqual({ upd: "3", hot: "2" });
    });
  });

  it("calls the trigger's function only for writers that leave the flag wrong", async () => {
    await migrate(db().pool);
    await rolledBack(async (client) => {
      await client.query("SET LOCAL track_functions = 'pl'");
      const calls = async () => Number((await client.query<{ calls: string | null }>(
        "SELECT sum(calls) AS calls FROM pg_stat_xact_user_functions WHERE funcname = 'messages_set_queued'")).rows[0]?.calls ?? 0);
      // As this version writes: the flag with the status.
      await client.query("INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body, queued) VALUES ('wamid.new', '491700000000', 1, 1, 'text', '\\x00', true)");
      await client.query("UPDATE messages SET status = 'sent', queued = false WHERE id = 'wamid.new'");
      await client.query("UPDATE messages SET status = 'read' WHERE id = 'wamid.new'");
      expect(await calls()).toBe(0);
      // As the previous version writes: status only, so the function sets the flag.
      await client.query("INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) VALUES ('wamid.old', '491700000000', 1, 1, 'text', '\\x00')");
      await client.query("UPDATE messages SET status = 'sent' WHERE id = 'wamid.old'");
      expect(await calls()).toBe(2);
      const { rows } = await client.query<{ id: string; queued: boolean }>("SELECT id, queued FROM messages ORDER BY id");
      expect(rows).toEqual([{ id: "wamid.new", queued: false }, { id: "wamid.old", queued: false }]);
    });
  });
});
