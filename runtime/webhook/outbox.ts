// The outbox side: fanning new events out into one delivery per subscribed endpoint, and the
// periodic sweep that keeps the two tables bounded.
import type pg from "pg";

/** NOTIFYed by producers in the transaction that inserts outbox rows (a hint; we also poll). */
export const outboxChannel = "waba_outbox";

export interface FanOutResult {
  /** Events taken from the outbox (fanned out, or deleted when no endpoint wants their kind). */
  readonly events: number;
  /** Endpoints that received new deliveries. */
  readonly endpoints: string[];
}

/**
 * Claims up to `limit` new events and, in one statement (one transaction), creates a delivery per
 * (event, endpoint) whose kind the endpoint subscribed to, marks them fanned out, and deletes the
 * events nobody subscribed to. No event is fanned out twice: the rows are locked (concurrent
 * dispatchers skip them) and a waiting statement re-checks `NOT fanned_out` on the committed row;
 * the unique (event_id, endpoint) is the backstop. None is skipped: an event leaves the partial
 * index only in the transaction that created its deliveries.
 */
export async function fanOut(db: pg.Pool, pairs: { endpoints: string[]; kinds: string[] }, limit: number): Promise<FanOutResult> {
  const { rows } = await db.query<{ events: number; endpoints: string[] | null }>(/* sql */ `
    WITH batch AS (
      SELECT id, kind FROM webhook_outbox WHERE NOT fanned_out ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
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
      RETURNING o.id
    ), marked AS (
      UPDATE webhook_outbox o SET fanned_out = true FROM batch b
      WHERE o.id = b.id AND EXISTS (SELECT 1 FROM subscribed s WHERE s.kind = b.kind)
      RETURNING o.id
    )
    SELECT (SELECT count(*) FROM marked)::int + (SELECT count(*) FROM unwanted)::int AS events,
           (SELECT array_agg(DISTINCT endpoint) FROM created) AS endpoints`,
  [pairs.endpoints, pairs.kinds, limit]);
  const row = rows[0];
  return { events: row?.events ?? 0, endpoints: row?.endpoints ?? [] };
}

/**
 * Expires pending deliveries of events older than `maxAgeMs` that nobody is trying (their endpoint
 * is gone, or its runner cannot deliver): they become dead letters. Returns how many, per endpoint.
 */
export async function expireStale(db: pg.Pool, maxAgeMs: number, limit: number): Promise<Map<string, number>> {
  const { rows } = await db.query<{ endpoint: string; n: number }>(/* sql */ `
    WITH stale AS (
      SELECT d.id FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.event_id
      WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND o.created_at < now() - $1 * interval '1 millisecond'
      LIMIT $2 FOR UPDATE OF d SKIP LOCKED
    ), expired AS (
      UPDATE webhook_deliveries d SET state = 'dead', last_error = 'expired: not delivered within the maximum age', next_attempt_at = now()
      FROM stale WHERE d.id = stale.id
      RETURNING d.endpoint
    )
    SELECT endpoint, count(*)::int AS n FROM expired GROUP BY endpoint`,
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
  const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM webhook_outbox WHERE NOT fanned_out");
  return rows[0]?.n ?? 0;
}

/** Deliveries in a state, per endpoint. */
export async function deliveryCounts(db: pg.Pool, state: "pending" | "dead"): Promise<Map<string, number>> {
  const { rows } = await db.query<{ endpoint: string; n: number }>(
    "SELECT endpoint, count(*)::int AS n FROM webhook_deliveries WHERE state = $1 GROUP BY endpoint", [state]);
  return new Map(rows.map((r) => [r.endpoint, r.n]));
}
