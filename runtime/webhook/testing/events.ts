// Test events as producers (CoreApp, simulator) insert them: sealed on-prem objects in
// webhook_outbox, with the NOTIFY hint in the same transaction.
import type pg from "pg";
import type { Sealer } from "../../crypto/at-rest.js";
import { outboxChannel } from "../outbox.js";

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

/** Inserts the events in one transaction (with NOTIFY waba_outbox) and returns their ids. */
export async function insertEvents(db: pg.Pool, sealer: Sealer, events: readonly OutboxEvent[]): Promise<string[]> {
  const client = await db.connect();
  try {
    await client.query("BEGIN");
    const { rows } = await client.query<{ id: string }>(
      "INSERT INTO webhook_outbox (kind, payload) SELECT * FROM unnest($1::text[], $2::bytea[]) RETURNING id",
      [events.map((e) => e.kind), events.map((e) => sealer.sealJson(e.payload))],
    );
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
