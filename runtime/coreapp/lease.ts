// Shard leases in PostgreSQL (shard_leases). A CoreApp holds at most one. Claiming inserts a
// lease or takes over an expired one with epoch + 1, in one statement, and only when no lease of
// an older generation is still unexpired (the re-sharding barrier). Lease changes serialise on a
// transaction-scoped advisory lock, so a claim's barrier check and a renewal of an older
// generation can never interleave. The epoch is the fencing token: every write an owner makes
// carries `fenceCte`, which finds the owner's lease unexpired and share-locks it for the rest of
// the statement, so a take-over waits for it and a stalled former owner writes nothing. Times are
// statement_timestamp(), not now(): a transaction may have waited for the lock.
import type pg from "pg";
import type { ShardCount } from "../sharding/hash.js";
import type { ShardMap } from "../sharding/shard-map.js";
import { inTransaction } from "../db/transaction.js";

export interface Lease {
  readonly generation: number;
  readonly shards: ShardCount;
  readonly shard: number;
  readonly epoch: number;
  readonly holder: string;
}

const leaseLockId = 0x6c656173; // "leas"

/** A CTE named `lease` with one row while `fenceParams(lease)` ($1..$4) still hold the lease. */
export const fenceCte = `lease AS (
  SELECT 1 AS held FROM shard_leases
  WHERE generation = $1 AND shard = $2 AND holder = $3 AND epoch = $4 AND expires_at > statement_timestamp()
  FOR SHARE
)`;

export function fenceParams(lease: Lease): [number, number, string, number] {
  return [lease.generation, lease.shard, lease.holder, lease.epoch];
}

function underLeaseLock<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [leaseLockId]);
    return work(client);
  });
}

const claimSql = `
INSERT INTO shard_leases AS l (generation, shard, holder, epoch, expires_at)
SELECT $1, s, $3, 1, statement_timestamp() + make_interval(secs => $4)
FROM generate_series(0, $2::int - 1) AS s
WHERE NOT EXISTS (SELECT 1 FROM shard_leases o WHERE o.generation < $1 AND o.expires_at > statement_timestamp())
  AND NOT EXISTS (SELECT 1 FROM shard_leases c WHERE c.generation = $1 AND c.shard = s AND c.expires_at > statement_timestamp())
ORDER BY s
LIMIT 1
ON CONFLICT (generation, shard) DO UPDATE
  SET holder = EXCLUDED.holder, epoch = l.epoch + 1, acquired_at = statement_timestamp(), renewed_at = statement_timestamp(), expires_at = EXCLUDED.expires_at
  WHERE l.expires_at <= statement_timestamp()
RETURNING shard, epoch`;

/** Takes a free or expired shard of the map's generation; undefined when none is free or the barrier holds. */
export async function claimShard(pool: pg.Pool, holder: string, map: ShardMap, seconds: number): Promise<Lease | undefined> {
  return underLeaseLock(pool, async (client) => {
    const { rows } = await client.query<{ shard: number; epoch: string }>(claimSql, [map.generation, map.shards, holder, seconds]);
    const row = rows[0];
    return row ? { generation: map.generation, shards: map.shards, shard: row.shard, epoch: Number(row.epoch), holder } : undefined;
  });
}

/** Extends the lease; false when it was lost (expired or taken over). */
export async function renewLease(pool: pg.Pool, lease: Lease, seconds: number): Promise<boolean> {
  return underLeaseLock(pool, async (client) => {
    const { rowCount } = await client.query(
      `UPDATE shard_leases SET renewed_at = statement_timestamp(), expires_at = statement_timestamp() + make_interval(secs => $5)
       WHERE generation = $1 AND shard = $2 AND holder = $3 AND epoch = $4 AND expires_at > statement_timestamp()`,
      [...fenceParams(lease), seconds],
    );
    return rowCount === 1;
  });
}

/** Gives the lease up at once (it stays as a row, so the next owner's epoch continues). */
export async function releaseLease(pool: pg.Pool, lease: Lease): Promise<void> {
  await underLeaseLock(pool, (client) => client.query(
    "UPDATE shard_leases SET expires_at = statement_timestamp() WHERE generation = $1 AND shard = $2 AND holder = $3 AND epoch = $4 AND expires_at > statement_timestamp()",
    fenceParams(lease),
  ));
}
