// The delivery side: claiming due deliveries of one endpoint, and recording what became of them.
// A claim is a lease, not an open transaction: it counts the attempt and moves next_attempt_at
// past the longest a POST can take, so other dispatchers leave the rows alone meanwhile. A
// dispatcher that dies mid-POST therefore loses nothing: the lease runs out, the rows are due
// again and are POSTed again (at-least-once; receivers dedupe by id).
import type pg from "pg";
import { withinEvents } from "./outbox.js";
import type { OutboxRow } from "./payload.js";

export interface ClaimedDelivery extends OutboxRow {
  readonly id: string;
  readonly eventId: string;
  /** Attempts including this one. */
  readonly attempts: number;
  readonly createdAt: Date;
}

/** Due deliveries of an endpoint whose rows hold up to `limit` events, leased for `leaseMs`. */
export async function claimDue(db: pg.Pool, endpoint: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<{ id: string; event_id: string; attempts: number; kind: string; payload: Buffer; events: number | null; sealed: boolean; created_at: Date }>(/* sql */ `
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $3 * interval '1 millisecond'
    FROM webhook_outbox o
    WHERE d.id = ANY(ARRAY(${withinEvents(`(
      SELECT l.id, l.next_attempt_at, e.events FROM (
        SELECT id, event_id, next_attempt_at FROM webhook_deliveries
        WHERE endpoint = $1 AND state = 'pending' AND next_attempt_at <= now()
        ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
      ) l JOIN webhook_outbox e ON e.id = l.event_id
    ) locked`, "next_attempt_at, id", "$2")})) AND o.id = d.event_id
    RETURNING d.id, d.event_id, d.attempts, o.kind, o.payload, o.events, o.sealed, o.created_at`,
  [endpoint, limit, leaseMs]);
  return rows
    .map((r) => ({ id: r.id, eventId: r.event_id, attempts: r.attempts, kind: r.kind, payload: r.payload, events: r.events, sealed: r.sealed, createdAt: r.created_at }))
    .sort((a, b) => Number(BigInt(a.eventId) - BigInt(b.eventId)));
}

/** When the endpoint's next pending delivery is due (a retry, or the end of a lease). */
export async function nextDue(db: pg.Pool, endpoint: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    "SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE endpoint = $1 AND state = 'pending'", [endpoint]);
  return rows[0]?.at ?? undefined;
}

/**
 * Marks deliveries delivered. An event whose other deliveries are all delivered too is deleted
 * instead, in the same statement (the cascade takes its delivery rows along): the common case of
 * one endpoint costs no update. Two endpoints finishing one event at the same moment may each
 * see the other as pending and both only update: the sweep's deleteFinished collects those.
 */
export async function markDelivered(db: pg.Pool, ids: readonly string[]): Promise<void> {
  await db.query(/* sql */ `
    WITH mine AS (
      -- A primary-key probe per id (a scalar subquery is never turned into a scan of the table,
      -- whatever its statistics say right after a burst).
      SELECT id, event_id FROM (
        SELECT u.id, (SELECT d.event_id FROM webhook_deliveries d WHERE d.id = u.id AND d.state = 'pending') AS event_id
        FROM unnest($1::bigint[]) AS u(id)
      ) probed WHERE event_id IS NOT NULL
    ), finished AS (
      DELETE FROM webhook_outbox o USING mine
      WHERE o.id = mine.event_id AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id AND d.state <> 'delivered' AND d.id <> ALL($1::bigint[])
      )
      RETURNING o.id
    )
    UPDATE webhook_deliveries d SET state = 'delivered', delivered_at = now(), last_error = NULL
    FROM mine WHERE d.id = ANY($1::bigint[]) AND d.id = mine.id AND mine.event_id NOT IN (SELECT id FROM finished)`,
  [ids]);
}

export interface Failure {
  readonly id: string;
  /** undefined: dead letter. */
  readonly retryInMs: number | undefined;
}

/**
 * Records a failed attempt: each delivery is retried after its delay or becomes dead (for a dead
 * letter, next_attempt_at records when it died). Only still-pending rows change: a delivery
 * another dispatcher delivered meanwhile stays delivered.
 */
export async function markFailed(db: pg.Pool, failures: readonly Failure[], error: string): Promise<void> {
  await db.query(/* sql */ `
    UPDATE webhook_deliveries d
    SET state = CASE WHEN f.delay_ms IS NULL THEN 'dead' ELSE 'pending' END,
        next_attempt_at = now() + coalesce(f.delay_ms, 0) * interval '1 millisecond',
        last_error = $3
    FROM unnest($1::bigint[], $2::int[]) AS f(id, delay_ms)
    WHERE d.id = ANY($1::bigint[]) AND d.id = f.id AND d.state = 'pending'`,
  [failures.map((f) => f.id), failures.map((f) => f.retryInMs ?? null), error.slice(0, 500)]);
}
