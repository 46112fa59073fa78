// Reading queued messages of a shard's buckets. `loadAfter` walks forward by seq (each bucket
// through its partial index, at most `limit` rows each). Rows can commit out of seq order (two
// concurrent accept transactions), so `queuedUpTo` sweeps behind the cursor for queued rows the
// walk passed before they were visible.
import type pg from "pg";

export interface QueuedMessage {
  readonly seq: number;
  readonly id: string;
  readonly recipient: string;
  readonly type: string;
  /** Sealed JSON of the message object. */
  readonly body: Buffer;
  /** Accept time (ms since the epoch). */
  readonly createdMs: number;
}

interface Row { seq: string; id: string; recipient: string; type: string; body: Buffer; created_ms: number }
const columns = "seq, id, recipient, type, body, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms";
const toMessage = (r: Row): QueuedMessage => ({ seq: Number(r.seq), id: r.id, recipient: r.recipient, type: r.type, body: r.body, createdMs: r.created_ms });

export async function loadAfter(pool: pg.Pool, buckets: readonly number[], cursor: number, limit: number): Promise<QueuedMessage[]> {
  const { rows } = await pool.query<Row>({
    name: "waba_coreapp_load_after",
    text: `SELECT m.* FROM unnest($1::smallint[]) AS b(bucket), LATERAL (
             SELECT ${columns} FROM messages WHERE bucket = b.bucket AND queued AND seq > $2 ORDER BY seq LIMIT $3
           ) m ORDER BY m.seq LIMIT $3`,
    values: [buckets, cursor, limit],
  });
  return rows.map(toMessage);
}

/** Seqs of queued messages at or behind the cursor, oldest first. */
export async function queuedUpTo(pool: pg.Pool, buckets: readonly number[], cursor: number, limit: number): Promise<number[]> {
  const { rows } = await pool.query<{ seq: string }>({
    name: "waba_coreapp_queued_up_to",
    text: `SELECT m.seq FROM unnest($1::smallint[]) AS b(bucket), LATERAL (
             SELECT seq FROM messages WHERE bucket = b.bucket AND queued AND seq <= $2 ORDER BY seq LIMIT $3
           ) m ORDER BY m.seq LIMIT $3`,
    values: [buckets, cursor, limit],
  });
  return rows.map((r) => Number(r.seq));
}

export async function loadSeqs(pool: pg.Pool, seqs: readonly number[]): Promise<QueuedMessage[]> {
  const { rows } = await pool.query<Row>({
    name: "waba_coreapp_load_seqs",
    text: `SELECT ${columns} FROM messages WHERE seq = ANY($1::bigint[]) AND queued ORDER BY seq`,
    values: [seqs],
  });
  return rows.map(toMessage);
}

/** Queued messages of the buckets, counted up to `cap` (for overload reports). */
export async function queueDepth(pool: pg.Pool, buckets: readonly number[], cap = 100_000): Promise<number> {
  const { rows } = await pool.query<{ n: number }>({
    name: "waba_coreapp_queue_depth",
    text: "SELECT count(*)::int AS n FROM (SELECT 1 FROM messages WHERE bucket = ANY($1::smallint[]) AND queued LIMIT $2) x",
    values: [buckets, cap],
  });
  return rows[0]?.n ?? 0;
}
