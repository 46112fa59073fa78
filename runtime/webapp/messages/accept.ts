// Accepting a message = one row in `messages` (status queued), written through the group-commit
// batcher: every request of a batch shares one multi-row INSERT … ON CONFLICT … RETURNING, which
// also NOTIFYs waba_messages once per bucket (PostgreSQL folds identical notifications of one
// transaction). A repeated Idempotency-Key gets the first message's id and inserts nothing.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { randomPooled } from "../../crypto/random.js";
import { bucketOf, recipientHash } from "../../sharding/hash.js";
import { Batcher, type BatcherOptions } from "./batcher.js";
import type { OutboundMessage } from "./schema.js";

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

/** `wamid.` + base64url of 18 random bytes (the contract's message id). */
export function newMessageId(): string {
  return `wamid.${randomPooled(18).toString("base64url")}`;
}

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

const insertSql = `
WITH ins AS (
  INSERT INTO messages (id, idempotency_key, recipient, recipient_hash, bucket, type, body, queued)
  SELECT u.*, true FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::smallint[], $6::text[], $7::bytea[]) AS u
  ON CONFLICT (idempotency_key) DO NOTHING
  RETURNING id, idempotency_key, bucket
)
SELECT id, idempotency_key, pg_notify('${messagesChannel}', bucket::text)::text AS notified FROM ins`;

/** Inserts a batch in one statement; answers each row's message id (the earlier one for a repeated key). */
export async function insertMessages(db: Queryable, rows: readonly MessageRow[]): Promise<string[]> {
  const byKey = new Map<string, string>();
  const fresh: MessageRow[] = [];
  for (const row of rows) {
    if (row.idempotencyKey === null) fresh.push(row);
    else if (!byKey.has(row.idempotencyKey)) {
      byKey.set(row.idempotencyKey, "");
      fresh.push(row);
    }
  }
  const { rows: inserted } = await db.query<{ id: string; idempotency_key: string | null }>({
    name: "waba_insert_messages",
    text: insertSql,
    values: [
      fresh.map((r) => r.id), fresh.map((r) => r.idempotencyKey), fresh.map((r) => r.recipient), fresh.map((r) => r.recipientHash),
      fresh.map((r) => r.bucket), fresh.map((r) => r.type), fresh.map((r) => r.body),
    ],
  });
  for (const r of inserted) if (r.idempotency_key !== null) byKey.set(r.idempotency_key, r.id);
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

export const defaultBatching: BatcherOptions = { maxRows: 500, maxWaitMs: 2, maxInFlight: 4 };

export class MessageAcceptor {
  private readonly batcher: Batcher<MessageRow, string>;

  constructor(db: Queryable, private readonly sealer: Sealer, options: BatcherOptions = defaultBatching) {
    this.batcher = new Batcher((rows) => insertMessages(db, rows), options);
  }

  /** The message's id once its row is committed. */
  accept(message: OutboundMessage, idempotencyKey?: string): Promise<string> {
    return this.batcher.submit(messageRow(message, idempotencyKey, this.sealer));
  }

  close(): Promise<void> {
    return this.batcher.close();
  }
}
