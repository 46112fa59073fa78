// Test events as producers (CoreApp, simulator) insert them: sealed on-prem objects in
// webhook_outbox, one a row or in batch rows, with the NOTIFY hint in the same transaction.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { outboxChannel } from "../outbox.js";
import { batchPayloadSql, sealedEvents, type OutboxRow } from "../payload.js";

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

/**
 * Inserts the events in one transaction (with NOTIFY waba_outbox) and returns the rows' ids: a row
 * each, or with `perRow` batch rows of up to that many consecutive events of one kind, as a CoreApp writes them.
 */
export async function insertEvents(db: pg.Pool, sealer: Sealer, events: readonly OutboxEvent[], perRow?: number): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const values = [events.map((e) => e.kind), events.map((e) => sealer.sealJson(e.payload))];
    const { rows } = await client.query<{ id: string }>(perRow === undefined
      ? "INSERT INTO webhook_outbox (kind, payload) SELECT * FROM unnest($1::text[], $2::bytea[]) RETURNING id"
      : `INSERT INTO webhook_outbox (kind, payload, events)
         SELECT min(kind), ${batchPayloadSql("payload", "ord")}, count(*)::int FROM (
           SELECT *, sum(CASE WHEN kind_changed OR (ord - 1) % $3 = 0 THEN 1 ELSE 0 END) OVER (ORDER BY ord) AS part FROM (
             SELECT *, kind IS DISTINCT FROM lag(kind) OVER (ORDER BY ord) AS kind_changed FROM unnest($1::text[], $2::bytea[]) WITH ORDINALITY AS e(kind, payload, ord)
           ) k
         ) p GROUP BY part ORDER BY part RETURNING id`,
    perRow === undefined ? values : [...values, perRow]);
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

/** The events in the outbox, oldest first, each opened (batch rows taken apart); of one kind if given. */
export async function outboxEvents(db: Pick<pg.Pool, "query">, sealer: Sealer, kind?: OutboxEvent["kind"]): Promise<unknown[]> {
  const { rows } = await db.query<OutboxRow>("SELECT kind, payload, events FROM webhook_outbox WHERE $1::text IS NULL OR kind = $1 ORDER BY id", [kind ?? null]);
  return rows.flatMap((row) => sealedEvents(row).map((sealed) => sealer.openJson(sealed)));
}
