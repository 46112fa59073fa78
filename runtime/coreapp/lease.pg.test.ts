// Shard leases and fencing against a real PostgreSQL.
import type pg from "pg";
import { Sealer } from "../crypto/at-rest.js";
import { migrate } from "../db/migrate.js";
import { databasePerTest } from "../db/testing/fresh-database.js";
import { applyShardCount } from "../sharding/shard-map.js";
import { until } from "../simulator/testing/until.js";
import { claimShard, fenceCte, fenceParams, releaseLease, renewLease, type Lease } from "./lease.js";
import { writeStatuses } from "./writes.js";

const db = databasePerTest();
let pool: pg.Pool;

beforeEach(async () => {
  pool = db().pool;
  await migrate(pool);
});

/** Makes a lease look as if its owner stopped renewing long ago. */
async function expire(lease: Lease): Promise<void> {
  await pool.query("UPDATE shard_leases SET expires_at = now() - interval '1 second' WHERE generation = $1 AND shard = $2", [lease.generation, lease.shard]);
}

test("nodes claim distinct shards, and a spare finds none while all are held", async () => {
  const map = await applyShardCount(pool, 2);
  const a = await claimShard(pool, "a", map, 6);
  const b = await claimShard(pool, "b", map, 6);
  expect([a?.shard, b?.shard].sort()).toEqual([0, 1]);
  expect(await claimShard(pool, "spare", map, 6)).toBeUndefined();
});

test("concurrent claims never give one shard to two nodes", async () => {
  const map = await applyShardCount(pool, 4);
  const claims = await Promise.all(Array.from({ length: 6 }, (_, i) => claimShard(pool, `n${i}`, map, 6)));
  const shards = claims.flatMap((c) => (c ? [c.shard] : []));
  expect(shards.sort()).toEqual([0, 1, 2, 3]);
});

test("an expired lease is taken over with the next epoch and the old holder can no longer renew", async () => {
  const map = await applyShardCount(pool, 1);
  const old = await claimShard(pool, "old", map, 6);
  expect(old?.epoch).toBe(1);
  await expire(old!);
  const next = await claimShard(pool, "new", map, 6);
  expect(next).toMatchObject({ shard: 0, epoch: 2, holder: "new" });
  expect(await renewLease(pool, old!, 6)).toBe(false);
  expect(await renewLease(pool, next!, 6)).toBe(true);
});

test("a released lease is free at once", async () => {
  const map = await applyShardCount(pool, 1);
  const lease = await claimShard(pool, "a", map, 60);
  await releaseLease(pool, lease!);
  expect(await claimShard(pool, "b", map, 60)).toMatchObject({ shard: 0, epoch: 2 });
});

test("no lease of a new generation is given while a lease of an older one is unexpired", async () => {
  const first = await applyShardCount(pool, 1);
  const old = await claimShard(pool, "old", first, 60);
  const second = await applyShardCount(pool, 2);
  expect(await claimShard(pool, "new", second, 60)).toBeUndefined();
  await releaseLease(pool, old!);
  expect(await claimShard(pool, "new", second, 60)).toMatchObject({ generation: second.generation, shard: 0 });
});

test("a former owner's status write after a take-over writes nothing", async () => {
  const sealer = await Sealer.fromBase64Key(Buffer.alloc(32, 1).toString("base64"));
  const map = await applyShardCount(pool, 1);
  const old = await claimShard(pool, "old", map, 6);
  await pool.query("INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body) VALUES ('wamid.x', '491700000000', 1, 1, 'text', '\\x00')");
  await expire(old!);
  const next = await claimShard(pool, "new", map, 6);
  const change = { id: "wamid.x", recipient: "491700000000", status: "sent" as const, at: new Date() };

  expect((await writeStatuses(pool, old!, sealer, [change])).held).toBe(false);
  const untouched = await pool.query("SELECT (SELECT status FROM messages) AS status, (SELECT sent_at FROM messages) AS sent_at, (SELECT count(*)::int FROM webhook_outbox) AS events");
  expect(untouched.rows[0]).toEqual({ status: "queued", sent_at: null, events: 0 });

  const written = await writeStatuses(pool, next!, sealer, [change]);
  expect(written.held).toBe(true);
  expect(written.fresh.map((f) => f.status)).toEqual(["sent"]);
  const after = await pool.query("SELECT (SELECT status FROM messages) AS status, (SELECT count(*)::int FROM webhook_outbox) AS events");
  expect(after.rows[0]).toEqual({ status: "sent", events: 1 });
});

test("a take-over waits for an owner's write in progress", async () => {
  const map = await applyShardCount(pool, 1);
  const old = await claimShard(pool, "old", map, 1);
  // The owner's fenced statement holds the share lock on its lease row inside its transaction...
  const owner = await pool.connect();
  await owner.query("BEGIN");
  const held = await owner.query(`WITH ${fenceCte} SELECT held FROM lease`, fenceParams(old!));
  expect(held.rowCount).toBe(1);
  await until("the lease to expire", async () => (await pool.query<{ e: boolean }>("SELECT expires_at < now() AS e FROM shard_leases")).rows[0]?.e);
  // ...so the spare's take-over waits for it.
  let claimed = false;
  const takeover = claimShard(pool, "new", map, 6).then((l) => { claimed = true; return l; });
  await until("the take-over to wait on the lease row", async () =>
    (await pool.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO shard_leases%'")).rowCount === 1);
  expect(claimed).toBe(false);
  await owner.query("COMMIT");
  owner.release();
  expect(await takeover).toMatchObject({ epoch: 2, holder: "new" });
});
