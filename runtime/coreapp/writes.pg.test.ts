// The batched status statement against a real PostgreSQL: each status recorded and announced
// once, statuses only move forward, and a receipt implies `sent`.
import pg from "pg";
import { Sealer } from "../crypto/at-rest.js";
import { migrate } from "../db/migrate.js";
import { databasePerTest } from "../db/testing/fresh-database.js";
import { applyShardCount } from "../sharding/shard-map.js";
import { until } from "../simulator/testing/until.js";
import { outboxEvents } from "../webhook/testing/events.js";
import { earlierDispatchers } from "../webhook/payload.js";
import { claimShard, type Lease } from "./lease.js";
import { statusPayload, type StatusChange } from "./payloads.js";
import { writeStatuses } from "./writes.js";

const db = databasePerTest();
let pool: pg.Pool;
let lease: Lease;
let sealer: Sealer;

beforeEach(async () => {
  pool = db().pool;
  await migrate(pool);
  lease = (await claimShard(pool, "me", await applyShardCount(pool, 1), 60))!;
  sealer = await Sealer.fromBase64Key(Buffer.alloc(32, 2).toString("base64"));
  await pool.query("INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) VALUES ('wamid.a', '491700000000', 1, 1, 'text', '\\x00')");
});

const at = (s: number) => new Date(1_700_000_000_000 + s * 1000);
const change = (status: StatusChange["status"], s: number): StatusChange => ({ id: "wamid.a", recipient: "491700000000", status, at: at(s) });

async function state(): Promise<{ status: string; statuses: string[]; events: string[] }> {
  const m = await pool.query<{ status: string }>("SELECT status FROM messages");
  const s = await pool.query<{ status: string }>(`SELECT s.status FROM messages m,
    LATERAL (VALUES ('sent', m.sent_at), ('delivered', m.delivered_at), ('read', m.read_at), ('failed', m.failed_at)) AS s(status, at)
    WHERE s.at IS NOT NULL ORDER BY s.at, s.status`);
  return {
    status: m.rows[0]?.status ?? "",
    statuses: s.rows.map((r) => r.status),
    events: (await outboxEvents(pool, sealer) as { status: { status: string } }[]).map((e) => e.status.status),
  };
}

test("sent, delivered and read in one batch are each recorded and announced once, in order", async () => {
  const result = await writeStatuses(pool, lease, sealer, [change("sent", 1), change("delivered", 2), change("read", 3)]);
  expect(result.fresh.map((f) => f.status)).toEqual(["sent", "delivered", "read"]);
  expect(await state()).toEqual({ status: "read", statuses: ["sent", "delivered", "read"], events: ["sent", "delivered", "read"] });
});

test("a repeated receipt adds nothing and a late one never moves the status back", async () => {
  await writeStatuses(pool, lease, sealer, [change("sent", 1), change("read", 3)]);
  const again = await writeStatuses(pool, lease, sealer, [change("read", 3), change("delivered", 2)]);
  expect(again.fresh.map((f) => f.status)).toEqual(["delivered"]);
  expect((await state()).status).toBe("read");
  expect((await state()).events).toEqual(["sent", "read", "delivered"]);
});

test("a receipt for a message whose acknowledgement was never recorded records and announces sent first", async () => {
  await writeStatuses(pool, lease, sealer, [change("delivered", 2), change("read", 3)]);
  const { status, statuses, events } = await state();
  expect({ status, statuses: statuses.sort(), events }).toEqual({ status: "read", statuses: ["delivered", "read", "sent"], events: ["sent", "delivered", "read"] });
  const sentAt = await pool.query<{ sent_at: Date }>("SELECT sent_at FROM messages");
  expect(sentAt.rows[0]?.sent_at).toEqual(at(2));
});

test("a refusal fails a queued message with the network's error", async () => {
  await writeStatuses(pool, lease, sealer, [{ ...change("failed", 1), errors: [{ code: 1026, title: "Receiver Incapable" }] }]);
  const { rows } = await pool.query<{ status: string; error: unknown }>("SELECT status, error FROM messages");
  expect(rows[0]).toEqual({ status: "failed", error: [{ code: 1026, title: "Receiver Incapable" }] });
  expect((await state()).events).toEqual(["failed"]);
});

describe("outbox rows", () => {
  const messages = (n: number) => Array.from({ length: n }, (_, i) => `wamid.m${String(i).padStart(3, "0")}`);
  const insert = (ids: readonly string[]) => pool.query(
    "INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) SELECT id, '491700000000', 1, 1, 'text', '\\x00' FROM unnest($1::text[]) AS id", [ids]);
  const rows = async () => (await pool.query<{ events: number | null; sealed: boolean }>("SELECT events, sealed FROM webhook_outbox ORDER BY id")).rows;
  const sentIds = async () => (await outboxEvents(pool, sealer) as { status: { id: string } }[]).map((e) => e.status.id);

  test("hold the statuses of a write in plain batches of at most 50, in order", async () => {
    const ids = messages(120);
    await insert(ids);
    await writeStatuses(pool, lease, sealer, ids.map((id, i) => ({ id, recipient: "491700000000", status: "sent", at: at(i) })));
    expect(await rows()).toEqual([50, 50, 20].map((events) => ({ events, sealed: false })));
    expect(await sentIds()).toEqual(ids);
    // Plain: JSON the database itself can read, holding no more than the messages row does.
    const first = await pool.query<{ event: unknown }>("SELECT convert_from(payload, 'UTF8')::jsonb -> 0 AS event FROM webhook_outbox ORDER BY id LIMIT 1");
    expect(first.rows[0]?.event).toEqual({ status: { id: ids[0], recipient_id: "491700000000", status: "sent", timestamp: String(Math.floor(at(0).getTime() / 1000)) } });
  });

  test("hold the events statusPayload makes, plain or sealed, errors and implied sent included", async () => {
    const changes = (prefix: string): StatusChange[] => [
      { id: `${prefix}0`, recipient: "491700000000", status: "failed", at: new Date(at(1).getTime() + 999), errors: [{ code: 1026, title: "Receiver Incapable", details: "no" }] },
      { id: `${prefix}1`, recipient: "491700000000", status: "delivered", at: at(2) },
    ];
    const expected = (prefix: string) => {
      const [failed, delivered] = changes(prefix) as [StatusChange, StatusChange];
      return [statusPayload(failed), statusPayload({ ...delivered, status: "sent" }), statusPayload(delivered)];
    };
    await insert(["wamid.p0", "wamid.p1", "wamid.s0", "wamid.s1"]);
    await writeStatuses(pool, lease, sealer, changes("wamid.p"));
    const earlier = new pg.Client({ connectionString: db().url, application_name: earlierDispatchers[0] });
    await earlier.connect();
    try {
      await writeStatuses(pool, lease, sealer, changes("wamid.s"));
    } finally {
      await earlier.end();
    }
    expect(await rows()).toEqual([{ events: 3, sealed: false }, ...Array.from({ length: 3 }, () => ({ events: null, sealed: true }))]);
    expect(await outboxEvents(pool, sealer)).toEqual([...expected("wamid.p"), ...expected("wamid.s")]);
  });

  test.each(earlierDispatchers)("hold one sealed status a row while a dispatcher connected as %s is", async (name) => {
    const ids = messages(4);
    await insert(ids);
    const earlier = new pg.Client({ connectionString: db().url, application_name: name });
    await earlier.connect();
    try {
      await writeStatuses(pool, lease, sealer, ids.slice(0, 2).map((id, i) => ({ id, recipient: "491700000000", status: "sent", at: at(i) })));
    } finally {
      await earlier.end();
    }
    await until("the earlier dispatcher's session to end", async () => (await pool.query(
      "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1", [name])).rowCount === 0);
    await writeStatuses(pool, lease, sealer, ids.slice(2).map((id, i) => ({ id, recipient: "491700000000", status: "sent", at: at(i) })));
    expect(await rows()).toEqual([{ events: null, sealed: true }, { events: null, sealed: true }, { events: 2, sealed: false }]);
    expect(await sentIds()).toEqual(ids);
    const sent = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE status = 'sent'");
    expect(sent.rows[0]?.n).toBe(4);
  });
});
