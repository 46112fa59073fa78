// Accepting a message = one row in `messages` (status queued), written through the group-commit
// batcher: every request of a batch shares one multi-row INSERT … ON CONFLICT … RETURNING, which
// also NOTIFYs waba_messages once per bucket it is given (wake-schedule.ts decides which batches
// do). A repeated Idempotency-Key gets the first message's id and inserts nothing.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { bucketOf, recipientHash } from "../../sharding/hash.js";
import { Batcher, type BatcherOptions } from "./batcher.js";
import { newMessageId } from "./message-id.js";
import type { OutboundMessage } from "./schema.js";
import { WakeSchedule } from "./wake-schedule.js";

/** Payload: the bucket of new messages, or `r` and the bucket of a read request (markRead). */
export const messagesChannel = "waba_messages";

export interface MessageRow {
  readonly id: string;
  readonly idempotencyKey: string | null;
  readonly recipient: string;
  readonly recipientHash: number;
  readonly bucket: number;
  readonly type: string;
  /** Sealed JSON of the message object. */
  readonly body: Buffer;
}

export type Queryable = Pick<pg.Pool, "query">;

export function messageRow(message: OutboundMessage, idempotencyKey: string | undefined, sealer: Sealer): MessageRow {
  return {
    id: newMessageId(),
    idempotencyKey: idempotencyKey ?? null,
    recipient: message.waId,
    recipientHash: recipientHash(message.waId),
    bucket: bucketOf(message.waId),
    type: message.type,
    body: sealer.sealJson(message.body),
  };
}

/** NOTIFYs each bucket of the smallint[] parameter `param` once; one row. */
const notifyBuckets = (param: string) => `SELECT count(pg_notify('${messagesChannel}', b::text)) FROM unnest(${param}::smallint[]) AS b`;

const insertSql = `
WITH ins AS (
  INSERT INTO messages (id, idempotency_key, recipient, recipient_hash, bucket, type, body, queued)
  SELECT u.*, true FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::smallint[], $6::text[], $7::bytea[]) AS u
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, idempotency_key
),
wake AS (${notifyBuckets("$8")})
-- wake is one row, so it is evaluated even when nothing was inserted (then one row of NULLs)
SELECT ins.id, ins.idempotency_key FROM wake LEFT JOIN ins ON true`;

/** The trailing NOTIFY, in a transaction of its own (wake-schedule.ts). */
const notifySql = notifyBuckets("$1");

const bucketsOf = (rows: readonly MessageRow[]) => [...new Set(rows.map((r) => r.bucket))];

/**
 * Inserts a batch in one statement that also NOTIFYs `wake` (by default the batch's buckets);
 * answers each row's message id (the earlier one for a repeated key).
 */
export async function insertMessages(db: Queryable, rows: readonly MessageRow[], wake: readonly number[] = bucketsOf(rows)): Promise<string[]> {
  const byKey = new Map<string, string>();
  const fresh: MessageRow[] = [];
  for (const row of rows) {
    if (row.idempotencyKey === null) fresh.push(row);
    else if (!byKey.has(row.idempotencyKey)) {
      byKey.set(row.idempotencyKey, "");
      fresh.push(row);
    }
  }
  const { rows: inserted } = await db.query<{ id: string | null; idempotency_key: string | null }>({
    name: "waba_insert_messages",
    text: insertSql,
    values: [
      fresh.map((r) => r.id), fresh.map((r) => r.idempotencyKey), fresh.map((r) => r.recipient), fresh.map((r) => r.recipientHash),
      fresh.map((r) => r.bucket), fresh.map((r) => r.type), fresh.map((r) => r.body), wake,
    ],
  });
  for (const r of inserted) if (r.id !== null && r.idempotency_key !== null) byKey.set(r.idempotency_key, r.id);
  const earlier = [...byKey].filter(([, id]) => id === "").map(([key]) => key);
  if (earlier.length > 0) {
    const { rows: found } = await db.query<{ id: string; idempotency_key: string }>(
      "SELECT id, idempotency_key FROM messages WHERE idempotency_key = ANY($1::text[])",
      [earlier],
    );
    for (const r of found) byKey.set(r.idempotency_key, r.id);
  }
  return rows.map((row) => {
    if (row.idempotencyKey === null) return row.id;
    const id = byKey.get(row.idempotencyKey);
    if (!id) throw new Error("an idempotency key conflicted but its message was not found");
    return id;
  });
}

// A row waits at most 1 ms for company (Node's timers fire no sooner than that). At 1000 messages/s
// that made ~570 transactions/s instead of ~480 with 2 ms, at the same CPU per message, and sends
// no slower (bench/FINDINGS.md); no wait at all (a flush per turn of the event loop) cost
// PostgreSQL 10% more CPU per message.
export const defaultBatching: BatcherOptions = { maxRows: 500, maxWaitMs: 1, maxInFlight: 4 };

export class MessageAcceptor {
  private readonly batcher: Batcher<MessageRow, string>;
  private readonly wakes: WakeSchedule;

  constructor(db: Queryable, private readonly sealer: Sealer, options: BatcherOptions = defaultBatching, wakeEveryMs?: number) {
    this.wakes = new WakeSchedule(async (buckets) => { await db.query({ name: "waba_notify_messages", text: notifySql, values: [buckets] }); }, wakeEveryMs);
    this.batcher = new Batcher(async (rows) => {
      const buckets = bucketsOf(rows);
      const wake = this.wakes.take(buckets);
      try {
        const ids = await insertMessages(db, rows, wake);
        if (wake.length === 0) this.wakes.owe(buckets);
        return ids;
      } catch (err) {
        this.wakes.owe(wake); // this batch's rows are not written, but the earlier buckets it took are
        throw err;
      }
    }, options);
  }

  /** The message's id once its row is committed. */
  accept(message: OutboundMessage, idempotencyKey?: string): Promise<string> {
    return this.batcher.submit(messageRow(message, idempotencyKey, this.sealer));
  }

  async close(): Promise<void> {
    await this.batcher.close();
    await this.wakes.flush();
  }
}
