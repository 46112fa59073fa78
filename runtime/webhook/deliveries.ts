// The delivery side: claiming due deliveries of one endpoint, and recording what became of them.
// A claim is a lease, not an open transaction: it counts the attempt and moves next_attempt_at
// past the longest a POST can take, so other dispatchers leave the rows alone meanwhile. A
// dispatcher that dies mid-POST therefore loses nothing: the lease runs out, the rows are due
// again and are POSTed again (at-least-once; receivers dedupe by id).
import type pg from "pg";

export interface ClaimedDelivery {
  readonly id: string;
  readonly eventId: string;
  /** Attempts including this one. */
  readonly attempts: number;
  readonly kind: string;
  /** The sealed event. */
  readonly payload: Buffer;
  readonly createdAt: Date;
}

export async function claimDue(db: pg.Pool, endpoint: string, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const { rows } = await db.query<{ id: string; event_id: string; attempts: number; kind: string; payload: Buffer; created_at: Date }>(/* sql */ `
    WITH due AS (
      SELECT id FROM webhook_deliveries
      WHERE endpoint = $1 AND state = 'pending' AND next_attempt_at <= now()
      ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
    )
    UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $3 * interval '1 millisecond'
    FROM due, webhook_outbox o WHERE d.id = due.id AND o.id = d.event_id
    RETURNING d.id, d.event_id, d.attempts, o.kind, o.payload, o.created_at`,
  [endpoint, limit, leaseMs]);
  return rows
    .map((r) => ({ id: r.id, eventId: r.event_id, attempts: r.attempts, kind: r.kind, payload: r.payload, createdAt: r.created_at }))
    .sort((a, b) => Number(BigInt(a.eventId) - BigInt(b.eventId)));
}

/** When the endpoint's next pending delivery is due (a retry, or the end of a lease). */
export async function nextDue(db: pg.Pool, endpoint: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ at: Date | null }>(
    "SELECT min(next_attempt_at) AS at FROM webhook_deliveries WHERE endpoint = $1 AND state = 'pending'", [endpoint]);
  return rows[0]?.at ?? undefined;
}

/**
 * Marks deliveries delivered and, in the same statement, deletes their events when no other
 * endpoint still has them pending or dead (the cascade takes the delivery rows along). Two
 * endpoints finishing one event at the same moment may each see the other as pending: the
 * sweep's deleteFinished collects those.
 */
export async function markDelivered(db: pg.Pool, ids: readonly string[]): Promise<void> {
  await db.query(/* sql */ `
    WITH done AS (
      UPDATE webhook_deliveries SET state = 'delivered', delivered_at = now(), last_error = NULL
      WHERE id = ANY($1::bigint[]) AND state = 'pending'
      RETURNING event_id
    )
    DELETE FROM webhook_outbox o
    WHERE o.id IN (SELECT event_id FROM done) AND NOT EXISTS (
      SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id AND d.state <> 'delivered' AND d.id <> ALL($1::bigint[])
    )`,
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
    WHERE d.id = f.id AND d.state = 'pending'`,
  [failures.map((f) => f.id), failures.map((f) => f.retryInMs ?? null), error.slice(0, 500)]);
}
