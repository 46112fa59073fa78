// Which shard serves a recipient. FNV-1a (32 bit) over the wa_id's UTF-8 bytes: cheap, stable
// across processes and languages, and well spread for phone numbers.
export const bucketCount = 32;
export const allowedShardCounts = [1, 2, 4, 8, 16, 32] as const;
export type ShardCount = (typeof allowedShardCounts)[number];

export function recipientHash(waId: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(waId, "utf8")) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Every allowed shard count divides 32, so shard = bucket % shards whatever the count was at accept time. */
export function bucketOf(waId: string): number {
  return recipientHash(waId) % bucketCount;
}

export function shardOf(waId: string, shards: ShardCount): number {
  return bucketOf(waId) % shards;
}

/** The buckets that one shard owns. */
export function bucketsOfShard(shard: number, shards: ShardCount): number[] {
  if (!Number.isInteger(shard) || shard < 0 || shard >= shards) throw new RangeError(`shard ${shard} is not in 0..${shards - 1}`);
  return Array.from({ length: bucketCount / shards }, (_, i) => shard + i * shards);
}
