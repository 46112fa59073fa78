// Test events as producers insert them: on-prem objects in webhook_outbox, one sealed a row (inbound
// messages) or in batch rows, plain (statuses) or sealed (statuses from CoreApps before migration
// 8), with the NOTIFY hint in the same transaction.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { outboxChannel } from "../outbox.js";
import { plainPayloadSql, rowValues, type OutboxRow } from "../payload.js";

export interface OutboxEvent {
  readonly kind: "status" | "message";
  readonly payload: unknown;
}

export function statusEvent(messageId: string, status: string, recipient = "15550002222"): OutboxEvent {
  return { kind: "status", payload: { status: { id: messageId, recipient_id: recipient, status, timestamp: String(Math.floor(Date.now() / 1000)) } } };
}

export function messageEvent(messageId: string, from = "15550003333", text = "hello"): OutboxEvent {
  return {
    kind: "message",
    payload: {
      contact: { profile: { name: `User ${from}` }, wa_id: from },
      message: { from, id: messageId, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } },
    },
  };
}

/** Batch rows: up to `perRow` consecutive events of one kind a row, plain (as a CoreApp writes them) or sealed. */
export interface BatchRows {
  readonly perRow: number;
  /** Sealed batches, as CoreApps before migration 8 wrote them. Default false. */
  readonly sealed?: boolean;
}

/** SQL: sealed payloads framed as a sealed batch row's payload, each behind its length (migration 7). */
const sealedBatchSql = "string_agg(int4send(octet_length(payload)) || payload, ''::bytea ORDER BY ord)";

/**
 * Inserts the events in one transaction (with NOTIFY waba_outbox) and returns the rows' ids: a
 * sealed row each, or batch rows.
 */
export async function insertEvents(db: pg.Pool, sealer: Sealer, events: readonly OutboxEvent[], batches?: BatchRows): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const sealed = batches ? batches.sealed ?? false : true;
    const payloads = events.map((e) => (sealed ? sealer.sealJson(e.payload) : JSON.stringify(e.payload)));
    const { rows } = await client.query<{ id: string }>(batches === undefined
      ? "INSERT INTO webhook_outbox (kind, payload) SELECT * FROM unnest($1::text[], $2::bytea[]) RETURNING id"
      : `INSERT INTO webhook_outbox (kind, payload, events, sealed)
         SELECT min(kind), ${sealed ? sealedBatchSql : plainPayloadSql("payload", "ord")}, count(*)::int, $4 FROM (
           SELECT *, sum(CASE WHEN kind_changed OR (ord - 1) % $3 = 0 THEN 1 ELSE 0 END) OVER (ORDER BY ord) AS part FROM (
             SELECT *, kind IS DISTINCT FROM lag(kind) OVER (ORDER BY ord) AS kind_changed
             FROM unnest($1::text[], $2::${sealed ? "bytea" : "text"}[]) WITH ORDINALITY AS e(kind, payload, ord)
           ) k
         ) p GROUP BY part ORDER BY part RETURNING id`,
    batches === undefined ? [events.map((e) => e.kind), payloads] : [events.map((e) => e.kind), payloads, batches.perRow, sealed]);
    await client.query("SELECT pg_notify($1, '')", [outboxChannel]);
    await client.query("COMMIT");
    return rows.map((r) => r.id);
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The events in the outbox, oldest first (batch rows taken apart, sealed ones opened); of one kind if given. */
export async function outboxEvents(db: Pick<pg.Pool, "query">, sealer: Sealer, kind?: OutboxEvent["kind"]): Promise<unknown[]> {
  const { rows } = await db.query<OutboxRow>("SELECT kind, payload, events, sealed FROM webhook_outbox WHERE $1::text IS NULL OR kind = $1 ORDER BY id", [kind ?? null]);
  return rows.flatMap((row) => rowValues(row, (sealed) => sealer.openJson(sealed)));
}
