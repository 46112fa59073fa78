// Work on one pooled connection, and transactions on it.
import type pg from "pg";

/**
 * Runs `work` on one pooled connection. A connection lost while checked out (a database restart)
 * does not end the process (every pooled client keeps an `error` listener, pool.ts): the work's
 * next query fails, and pg-pool discards a client that lost its connection when it comes back.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await work(client);
  } finally {
    client.release();
  }
}

/** Runs `work` in one transaction on one pooled connection; rolls back when it throws. */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    }
  });
}
