// Work on one pooled connection, and transactions on it.
import type pg from "pg";

/**
 * Runs `work` on one pooled connection. pg-pool listens for a connection's `error` only while it
 * is idle; one lost while checked out and between queries (a database restart) emits `error` on
 * the client, which with no listener ends the process. Here it is only noted: the work's next
 * query fails, and the connection is discarded instead of going back to the pool.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => { lost = err; };
  client.on("error", onError);
  try {
    return await work(client);
  } finally {
    client.removeListener("error", onError);
    client.release(lost);
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
