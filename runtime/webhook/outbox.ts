// The outbox side: fanning new events out into one delivery per subscribed endpoint, and the
// periodic sweep that keeps the two tables bounded.
import type pg from "pg";
import type { OutboxRow } from "./payload.js";

/** NOTIFYed by producers in the transaction that inserts outbox rows (a hint; we also poll). */
export const outboxChannel = "waba_outbox";

export interface FanOutResult {
  /** Rows taken from the outbox (fanned out, or deleted when no endpoint wants their kind). */
  readonly rows: number;
  /** The events they hold. */
  readonly events: number;
  /** Endpoints that received new deliveries. */
  readonly endpoints: string[];
}

/**
 * Claims up to `limit` new rows (one event or a batch each) and, in one statement (one
 * transaction), creates a delivery per (row, endpoint) whose kind the endpoint subscribed to,
 * marks them fanned out, and deletes the events nobody subscribed to. No event is fanned out twice: the rows are locked (concurrent
 * dispatchers skip them) and a waiting statement re-checks `NOT fanned_out` on the committed row;
 * the unique (event_id, endpoint) is the backstop. None is skipped: an event leaves the partial
 * index only in the transaction that created its deliveries. Events the fast path has claimed
 * (see claimFresh) are left alone until their claim runs out.
 */
export async function fanOut(db: pg.Pool, pairs: { endpoints: string[]; kinds: string[] }, limit: number): Promise<FanOutResult> {
  const { rows } = await db.query<{ rows: number; events: number; endpoints: string[] | null }>(/* sql */ `
    WITH batch AS (
      SELECT id, kind FROM webhook_outbox WHERE NOT fanned_out AND (claimed_until IS NULL OR claimed_until <= now())
      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
    ), subscribed AS (
      SELECT * FROM unnest($1::text[], $2::text[]) AS s(endpoint, kind)
    ), created AS (
      INSERT INTO webhook_deliveries (event_id, endpoint)
      SELECT b.id, s.endpoint FROM batch b JOIN subscribed s ON s.kind = b.kind
      ON CONFLICT (event_id, endpoint) DO NOTHING
      RETURNING endpoint
    ), unwanted AS (
      DELETE FROM webhook_outbox o USING batch b
      WHERE o.id = b.id AND NOT EXISTS (SELECT 1 FROM subscribed s WHERE s.kind = b.kind)
      RETURNING o.events
    ), marked AS (
      UPDATE webhook_outbox o SET fanned_out = true FROM batch b
      WHERE o.id = b.id AND EXISTS (SELECT 1 FROM subscribed s WHERE s.kind = b.kind)
      RETURNING o.events
    )
    SELECT count(*)::int AS rows, coalesce(sum(coalesce(events, 1)), 0)::int AS events,
           (SELECT array_agg(DISTINCT endpoint) FROM created) AS endpoints
    FROM (SELECT events FROM marked UNION ALL SELECT events FROM unwanted) taken`,
  [pairs.endpoints, pairs.kinds, limit]);
  const row = rows[0];
  return { rows: row?.rows ?? 0, events: row?.events ?? 0, endpoints: row?.endpoints ?? [] };
}

export interface FreshEvent extends OutboxRow {
  readonly id: string;
  readonly createdAt: Date;
}

/**
 * Of rows locked in a CTE or subquery `locked` (id, events, in claim order), those the claim
 * takes: rows while fewer than `limit` events come before them (at least one row), so that a
 * claim's events fit a POST or two of the batch size whatever the rows hold.
 */
export const withinEvents = (locked: string, order: string, limit: string) => /* sql */ `
  SELECT id FROM (
    SELECT id, sum(coalesce(events, 1)) OVER (ORDER BY ${order}) - coalesce(events, 1) AS before FROM ${locked}
  ) w WHERE before < ${limit}`;

/**
 * The fast path's claim: new rows with an id above `after` holding up to `limit` events, leased
 * for `leaseMs` (a HOT update of `claimed_until`, no index entries), oldest first. Rows whose
 * claim ran out (a dispatcher died mid-POST) are claimed again.
 */
export async function claimFresh(db: pg.Pool, limit: number, leaseMs: number, after: bigint): Promise<FreshEvent[]> {
  const { rows } = await db.query<{ id: string; kind: string; payload: Buffer; events: number | null; sealed: boolean; created_at: Date }>({
    name: "waba_webhook_claim_fresh",
    text: /* sql */ `
      UPDATE webhook_outbox o SET claimed_until = now() + $2 * interval '1 millisecond'
      WHERE o.id = ANY(ARRAY(${withinEvents(`(
        SELECT id, events FROM webhook_outbox WHERE NOT fanned_out AND id > $3 AND (claimed_until IS NULL OR claimed_until <= now())
        ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
      ) locked`, "id", "$1")}))
      RETURNING o.id, o.kind, o.payload, o.events, o.sealed, o.created_at`,
    values: [limit, leaseMs, after],
  });
  return rows.map((r) => ({ id: r.id, kind: r.kind, payload: r.payload, events: r.events, sealed: r.sealed, createdAt: r.created_at })).sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
}

/** Fast path, every endpoint took the events: they are done (no delivery rows were ever made). */
export async function deleteEvents(db: pg.Pool, ids: readonly string[]): Promise<void> {
  await db.query({ name: "waba_webhook_delete_events", text: "DELETE FROM webhook_outbox WHERE id = ANY($1::bigint[])", values: [ids] });
}

export interface FreshOutcome {
  readonly eventId: string;
  readonly endpoint: string;
  readonly delivered: boolean;
}

/**
 * Fast path, some POST failed: the events become ordinary fanned-out events. One delivery per
 * (event, subscribed endpoint): `delivered` where the POST succeeded, else pending and leased as
 * a claimed first attempt (the caller records the failure with markFailed, as for any attempt).
 * Events another dispatcher fanned out meanwhile are left to it. Answers the pending deliveries made.
 */
export async function fanOutAfterFailure(db: pg.Pool, outcomes: readonly FreshOutcome[], leaseMs: number): Promise<{ id: string; eventId: string; endpoint: string }[]> {
  const eventIds = [...new Set(outcomes.map((o) => o.eventId))];
  const { rows } = await db.query<{ id: string; event_id: string; endpoint: string }>(/* sql */ `
    WITH marked AS (
      UPDATE webhook_outbox SET fanned_out = true, claimed_until = NULL WHERE id = ANY($1::bigint[]) AND NOT fanned_out RETURNING id
    ), made AS (
      INSERT INTO webhook_deliveries (event_id, endpoint, state, attempts, next_attempt_at, delivered_at)
      SELECT o.event_id, o.endpoint, CASE WHEN o.delivered THEN 'delivered' ELSE 'pending' END, 1,
        now() + $5 * interval '1 millisecond', CASE WHEN o.delivered THEN now() END
      FROM unnest($2::bigint[], $3::text[], $4::boolean[]) AS o(event_id, endpoint, delivered)
      JOIN marked m ON m.id = o.event_id
      ON CONFLICT (event_id, endpoint) DO NOTHING
      RETURNING id, event_id, endpoint, state
    )
    SELECT id, event_id, endpoint FROM made WHERE state = 'pending'`,
  [eventIds, outcomes.map((o) => o.eventId), outcomes.map((o) => o.endpoint), outcomes.map((o) => o.delivered), leaseMs]);
  return rows.map((r) => ({ id: r.id, eventId: r.event_id, endpoint: r.endpoint }));
}

/**
 * Expires pending deliveries of events older than `maxAgeMs` that nobody is trying (their endpoint
 * is gone, or its runner cannot deliver): they become dead letters. Returns how many events, per endpoint.
 */
export async function expireStale(db: pg.Pool, maxAgeMs: number, limit: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ endpoint: string; n: number }>(/* sql */ `
    WITH stale AS (
      SELECT d.id, o.events FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.event_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND o.created_at < now() - $1 * interval '1 millisecond'
      LIMIT $2 FOR UPDATE OF d SKIP LOCKED
    ), expired AS (
      UPDATE webhook_deliveries d SET state = 'dead', last_error = 'expired: not delivered within the maximum age', next_attempt_at = now()
      FROM stale WHERE d.id = stale.id
      RETURNING d.endpoint, stale.events
    )
    SELECT endpoint, sum(coalesce(events, 1))::int AS n FROM expired GROUP BY endpoint`,
  [maxAgeMs, limit]);
  return new Map(rows.map((r) => [r.endpoint, r.n]));
}

/**
 * Deletes (a batch of) finished events: every delivery delivered, or dead ones past their
 * retention (kept `retentionMs` beyond the maximum age, so /v1/stats/app can show them). Their
 * delivery rows go with them (ON DELETE CASCADE). Returns how many events were deleted.
 */
export async function deleteFinished(db: pg.Pool, maxAgeMs: number, retentionMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(/* sql */ `
    DELETE FROM webhook_outbox WHERE id IN (
      SELECT o.id FROM webhook_outbox o
      WHERE o.fanned_out AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries d WHERE d.event_id = o.id
          AND (d.state = 'pending' OR (d.state = 'dead' AND o.created_at >= now() - $1 * interval '1 millisecond'))
      )
      ORDER BY o.id LIMIT $2 FOR UPDATE SKIP LOCKED
    )`,
  [maxAgeMs + retentionMs, limit]);
  return rowCount ?? 0;
}

export async function outboxBacklog(db: pg.Pool): Promise<number> {
  const { rows } = await db.query<{ n: number }>("SELECT coalesce(sum(coalesce(events, 1)), 0)::int AS n FROM webhook_outbox WHERE NOT fanned_out");
  return rows[0]?.n ?? 0;
}

/** Events whose delivery is in a state, per endpoint. */
export async function deliveryCounts(db: pg.Pool, state: "pending" | "dead"): Promise<Map<string, number>> {
  const { rows } = await db.query<{ endpoint: string; n: number }>(/* sql */ `
    SELECT d.endpoint, sum(coalesce(o.events, 1))::int AS n FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.event_id
    WHERE d.state = $1 GROUP BY d.endpoint`, [state]);
  return new Map(rows.map((r) => [r.endpoint, r.n]));
}
