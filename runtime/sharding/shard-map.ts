// The shard map in the database: generations of shard counts, newest = current.
import type pg from "pg";
import { inTransaction } from "../db/transaction.js";
import type { ShardCount } from "./hash.js";

export interface ShardMap {
  readonly generation: number;
  readonly shards: ShardCount;
}

/** Channel NOTIFYed when a new generation is inserted. */
export const shardMapChannel = "waba_shard_map";

export async function currentShardMap(db: pg.Pool | pg.PoolClient): Promise<ShardMap | undefined> {
  const { rows } = await db.query<{ generation: string; shards: number }>(
    "SELECT generation, shards FROM shard_map ORDER BY generation DESC LIMIT 1",
  );
  const row = rows[0];
  return row ? { generation: Number(row.generation), shards: row.shards as ShardCount } : undefined;
}

/** Makes `shards` the current count; a new generation only when it changes. Returns the current map. */
export async function applyShardCount(pool: pg.Pool, shards: ShardCount): Promise<ShardMap> {
  return inTransaction(pool, async (client) => {
    await client.query("LOCK TABLE shard_map IN EXCLUSIVE MODE");
    const current = await currentShardMap(client);
    if (current?.shards === shards) return current;
    const next: ShardMap = { generation: (current?.generation ?? 0) + 1, shards };
    await client.query("INSERT INTO shard_map (generation, shards) VALUES ($1, $2)", [next.generation, shards]);
    await client.query("SELECT pg_notify($1, $2)", [shardMapChannel, String(next.generation)]);
    return next;
  });
}
