// The CoreApp's writes, each ONE statement for a whole batch (multi-row, from arrays), fenced by
// the writer's lease (see lease.ts): if the lease is no longer held nothing is written and
// `held` is false. Outbox rows are written in the same statement as the change they report, and
// the statement NOTIFYs waba_outbox when it wrote any.
import type pg from "pg";
import type { Sealer } from "../crypto/at-rest.js";
import { earlierDispatchers, plainPayloadSql } from "../webhook/payload.js";
import { fenceCte, fenceParams, type Lease } from "./lease.js";
import { statusPayload, type OutboundStatus, type StatusChange } from "./payloads.js";

const outboxChannel = "waba_outbox";
/**
 * Most statuses in one outbox row. A row costs the database ~30 µs to claim and delete whatever it
 * holds (bench/FINDINGS.md); two rows fill a POST of the dispatcher's default 100 events.
 */
const statusesPerRow = 50;
/** Status order: a message only moves forward (a late `delivered` never undoes `read`). */
const ranks = ["queued", "failed", "sent", "delivered", "read"];

/**
 * How a status write stores its webhook events: `plain`, JSON arrays of up to `statusesPerRow`
 * events a row (migration 8), built by the statement itself, unless a dispatcher of an earlier
 * version is connected (a rollout): then it writes nothing and says `blocked`; `sealed`, one
 * sealed event a row (the CoreApp seals them: $9 and, for implied `sent` statuses, $11), which
 * every version reads.
 */
type EventRows = "plain" | "sealed";

/** SQL: the on-prem status event of a `fresh` row as JSON text, what statusPayload (payloads.ts) makes. */
const statusFields = "'id', id, 'recipient_id', recipient, 'status', status, 'timestamp', floor(extract(epoch FROM at))::bigint::text";
const statusEventSql = `json_build_object('status', CASE WHEN errors IS NULL
    THEN json_build_object(${statusFields}) ELSE json_build_object(${statusFields}, 'errors', errors) END)::text`;

const statusSql = (rows: EventRows): string => `
WITH ${fenceCte},
${rows === "plain" ? `gate AS (
  SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
    AND application_name IN (${earlierDispatchers.map((name) => `'${name}'`).join(", ")})) AS blocked
),
-- No payload parameters: the events are built from the columns (statusEventSql).
input AS (
  SELECT t.*, to_timestamp(at_ms / 1000) AS at, NULL::bytea AS payload FROM unnest($5::text[], $6::text[], $7::float8[], $8::jsonb[], $9::boolean[])
    WITH ORDINALITY AS t(id, status, at_ms, errors, implied_sent, ord)
  WHERE EXISTS (SELECT 1 FROM lease) AND NOT (SELECT blocked FROM gate)
),` : `input AS (
  SELECT t.*, to_timestamp(at_ms / 1000) AS at FROM unnest($5::text[], $6::text[], $7::float8[], $8::jsonb[], $9::bytea[], $11::bytea[])
    WITH ORDINALITY AS t(id, status, at_ms, errors, payload, implied_sent, ord)
  WHERE EXISTS (SELECT 1 FROM lease)
),`}
-- One index probe per id: the LIMIT keeps the planner from turning the lookups into a hash join
-- over a scan of the whole, ever-growing messages table (which it did with every statement).
found AS (
  SELECT i.*, m.seq, m.recipient, m.created_at, m.status AS current, m.sent_at, m.delivered_at, m.read_at, m.failed_at
  FROM input i CROSS JOIN LATERAL (SELECT seq, recipient, created_at, status, sent_at, delivered_at, read_at, failed_at FROM messages WHERE id = i.id LIMIT 1) m
),
-- A status is new when its time column is still empty (message_statuses, which said so through its
-- primary key, is no longer written: a third of this statement's cost; it stays for pods of the
-- previous version during a rollout). The lease makes this statement the only writer of these
-- rows (the owner writes one batch at a time), so what it read is what it updates.
target AS (
  SELECT seq, created_at, id, recipient, status, at, errors, payload, ord::numeric AS ord,
    CASE status WHEN 'sent' THEN sent_at WHEN 'delivered' THEN delivered_at WHEN 'read' THEN read_at ELSE failed_at END IS NULL AS unseen
  FROM found
  UNION ALL
  -- A receipt for a message whose acknowledgement was never recorded (its sender crashed first)
  -- implies it was sent: record and announce 'sent' just before it.
  SELECT seq, created_at, id, recipient, 'sent', at, NULL, ${rows === "plain" ? "NULL" : "implied_sent"}, ord - 0.5, true FROM found
  WHERE ${rows === "plain" ? "implied_sent" : "implied_sent IS NOT NULL"} AND current = 'queued'
),
fresh AS (
  SELECT DISTINCT ON (seq, status) * FROM target WHERE unseen ORDER BY seq, status, ord
),
agg AS (
  SELECT seq, max(array_position($10::text[], status)) AS rank,
    min(at) FILTER (WHERE status = 'sent') AS sent_at,
    min(at) FILTER (WHERE status = 'delivered') AS delivered_at,
    min(at) FILTER (WHERE status = 'read') AS read_at,
    min(at) FILTER (WHERE status = 'failed') AS failed_at,
    (array_agg(errors) FILTER (WHERE status = 'failed'))[1] AS errors
  FROM target GROUP BY seq
),
upd AS (
  UPDATE messages m SET
    queued = false,  -- every status here ranks above queued; set here, the trigger's function does not run
    status = CASE WHEN a.rank > array_position($10::text[], m.status) THEN ($10::text[])[a.rank] ELSE m.status END,
    sent_at = coalesce(m.sent_at, a.sent_at),
    delivered_at = coalesce(m.delivered_at, a.delivered_at),
    read_at = coalesce(m.read_at, a.read_at),
    failed_at = coalesce(m.failed_at, a.failed_at),
    error = coalesce(m.error, a.errors)
  FROM agg a WHERE m.seq = ANY(ARRAY(SELECT seq FROM agg)) AND m.seq = a.seq  -- primary-key probes, not a scan
  RETURNING 1
),
outbox AS (
  INSERT INTO webhook_outbox (kind, payload, events, sealed)
  ${rows === "plain"
    ? `SELECT 'status', ${plainPayloadSql(statusEventSql, "ord")}, count(*)::int, false
  FROM (SELECT *, (row_number() OVER (ORDER BY ord) - 1) / ${statusesPerRow} AS part FROM fresh) f
  GROUP BY part ORDER BY part`
    : "SELECT 'status', payload, NULL, true FROM fresh ORDER BY ord"}
  RETURNING 1
),
notified AS (
  SELECT pg_notify('${outboxChannel}', '') FROM (SELECT 1 FROM outbox LIMIT 1) x
)
SELECT (SELECT count(*) FROM lease)::int AS held, (SELECT count(*) FROM upd)::int AS updated, (SELECT count(*) FROM notified)::int AS notified,
  ${rows === "plain" ? "(SELECT blocked FROM gate)" : "false"} AS blocked,
  coalesce((SELECT json_agg(json_build_array(id, status, (extract(epoch FROM created_at) * 1000)::float8) ORDER BY ord) FROM fresh), '[]') AS fresh`;

export interface StatusWriteResult {
  readonly held: boolean;
  /** Statuses recorded for the first time, with the message's accept time (ms). */
  readonly fresh: readonly { id: string; status: OutboundStatus; createdMs: number }[];
}

/**
 * Records status changes of messages: statuses, message columns and webhook events. `sentKnown`:
 * ids whose `sent` is known to be recorded, so no implied `sent` is prepared for their receipts.
 */
export async function writeStatuses(pool: pg.Pool, lease: Lease, sealer: Sealer, changes: readonly StatusChange[], sentKnown: ReadonlySet<string> = new Set()): Promise<StatusWriteResult> {
  const impliesSent = (c: StatusChange) => (c.status === "delivered" || c.status === "read") && !sentKnown.has(c.id);
  const plain = await runStatusWrite(pool, lease, "plain", changes, [changes.map(impliesSent), ranks]);
  if (!plain.blocked) return plain;
  return runStatusWrite(pool, lease, "sealed", changes, [
    changes.map((c) => sealer.sealJson(statusPayload(c))),
    ranks,
    changes.map((c) => (impliesSent(c) ? sealer.sealJson(statusPayload({ ...c, status: "sent" })) : null)),
  ]);
}

const statusStatements = {
  plain: { name: "waba_coreapp_statuses", text: statusSql("plain") },
  sealed: { name: "waba_coreapp_statuses_sealed", text: statusSql("sealed") },
};

/** Runs a variant of the statement: the changes are $5–$8, `from9` the parameters from $9 on (the ranks are $10). */
async function runStatusWrite(pool: pg.Pool, lease: Lease, rows: EventRows, changes: readonly StatusChange[], from9: readonly unknown[]): Promise<StatusWriteResult & { blocked: boolean }> {
  const { rows: out } = await pool.query<{ held: number; blocked: boolean; fresh: [string, OutboundStatus, number][] }>({
    ...statusStatements[rows],
    values: [
      ...fenceParams(lease),
      // Times as epoch milliseconds: a number costs the database a third of a timestamp to parse.
      changes.map((c) => c.id), changes.map((c) => c.status), changes.map((c) => c.at.getTime()),
      changes.map((c) => (c.errors?.length ? JSON.stringify(c.errors) : null)),
      ...from9,
    ],
  });
  const row = out[0];
  return {
    held: (row?.held ?? 0) > 0,
    blocked: row?.blocked ?? false,
    fresh: (row?.fresh ?? []).map(([id, status, createdMs]) => ({ id, status, createdMs })),
  };
}

export interface InboundRow {
  readonly id: string;
  readonly from: string;
  readonly bucket: number;
  readonly type: string;
  /** The on-prem inbound message object (sealed into inbound_messages.body). */
  readonly message: Record<string, unknown>;
  /** The webhook payload (sealed into webhook_outbox.payload). */
  readonly payload: Record<string, unknown>;
  /** The media row of downloaded inbound media. */
  readonly media?: { readonly id: string; readonly address: string; readonly mimeType: string; readonly size: number };
}

const inboundSql = `
WITH ${fenceCte},
input AS (
  SELECT t.* FROM unnest($5::text[], $6::text[], $7::smallint[], $8::text[], $9::bytea[], $10::bytea[]) WITH ORDINALITY AS t(id, from_wa_id, bucket, type, body, payload, ord)
  WHERE EXISTS (SELECT 1 FROM lease)
),
ins AS (
  INSERT INTO inbound_messages (id, from_wa_id, bucket, type, body)
  SELECT id, from_wa_id, bucket, type, body FROM input ORDER BY ord
  ON CONFLICT (id) DO NOTHING
  RETURNING id
),
media_in AS (
  INSERT INTO media (id, address, mime_type, size, direction)
  SELECT m.media_id, m.address, m.mime_type, m.size, 'inbound'
  FROM unnest($11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[]) AS m(message_id, media_id, address, mime_type, size)
  JOIN ins ON ins.id = m.message_id
  RETURNING 1
),
outbox AS (
  INSERT INTO webhook_outbox (kind, payload) SELECT 'message', i.payload FROM input i JOIN ins USING (id) ORDER BY i.ord RETURNING 1
),
notified AS (
  SELECT pg_notify('${outboxChannel}', '') FROM (SELECT 1 FROM outbox LIMIT 1) x
)
SELECT (SELECT count(*) FROM lease)::int AS held, (SELECT count(*) FROM ins)::int AS stored,
  (SELECT count(*) FROM media_in)::int AS media, (SELECT count(*) FROM notified)::int AS notified`;

/** Stores inbound messages (a repeated id is a no-op), their media rows and webhook events; how many were new. */
export async function writeInbound(pool: pg.Pool, lease: Lease, sealer: Sealer, rows: readonly InboundRow[]): Promise<{ held: boolean; stored: number }> {
  const withMedia = rows.filter((r) => r.media);
  const { rows: out } = await pool.query<{ held: number; stored: number }>({
    name: "waba_coreapp_inbound",
    text: inboundSql,
    values: [
      ...fenceParams(lease),
      rows.map((r) => r.id), rows.map((r) => r.from), rows.map((r) => r.bucket), rows.map((r) => r.type),
      rows.map((r) => sealer.sealJson(r.message)), rows.map((r) => sealer.sealJson(r.payload)),
      withMedia.map((r) => r.id), withMedia.map((r) => r.media?.id), withMedia.map((r) => r.media?.address),
      withMedia.map((r) => r.media?.mimeType), withMedia.map((r) => r.media?.size),
    ],
  });
  return { held: (out[0]?.held ?? 0) > 0, stored: out[0]?.stored ?? 0 };
}

/** Marks read receipts of inbound messages as sent to the network. */
export async function writeReadsSent(pool: pg.Pool, lease: Lease, ids: readonly string[]): Promise<{ held: boolean }> {
  const { rows } = await pool.query<{ held: number }>({
    name: "waba_coreapp_reads_sent",
    text: `WITH ${fenceCte},
      upd AS (
        UPDATE inbound_messages SET read_sent_at = now()
        WHERE id = ANY($5::text[]) AND read_sent_at IS NULL AND EXISTS (SELECT 1 FROM lease)
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM lease)::int AS held, (SELECT count(*) FROM upd)::int AS updated`,
    values: [...fenceParams(lease), ids],
  });
  return { held: (rows[0]?.held ?? 0) > 0 };
}
