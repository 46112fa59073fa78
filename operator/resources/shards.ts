// Shard math: how many CoreApp shards an instance runs and what they carry. Pure.
import { allowedShards, type ShardCount } from "../api/constants.js";
import type { WabaInstanceSpec } from "../api/types.js";
import type { Tier } from "../config/config.js";

/** The smallest allowed shard count whose capacity carries `throughput` (the largest if none does). */
export function shardsForThroughput(throughput: number | undefined, messagesPerShard: number): ShardCount | undefined {
  if (throughput === undefined) return undefined;
  return allowedShards.find((s) => s * messagesPerShard >= throughput) ?? allowedShards[allowedShards.length - 1];
}

export interface ShardDecision {
  /** Shards the instance runs (after the tier's cap). */
  readonly shards: ShardCount;
  /** Shards the spec asks for, before the cap. */
  readonly requested: ShardCount;
  /** Where the request comes from: spec.shards, spec.throughput, or neither (1 shard). */
  readonly source: "shards" | "throughput" | "default";
  /** Set when the tier lowered the request: a sentence for a condition or an Event. */
  readonly capped?: string;
}

/**
 * effective shards = spec.shards ?? shardsForThroughput(spec.throughput) ?? 1, capped by the tier's
 * maxShards. The cap is reported, never silent.
 */
export function effectiveShards(
  spec: Pick<WabaInstanceSpec, "shards" | "throughput">,
  tierName: string,
  tier: Pick<Tier, "maxShards">,
  messagesPerShard: number,
): ShardDecision {
  const fromThroughput = shardsForThroughput(spec.throughput, messagesPerShard);
  const requested = (spec.shards as ShardCount | undefined) ?? fromThroughput ?? 1;
  const source = spec.shards !== undefined ? "shards" : fromThroughput !== undefined ? "throughput" : "default";
  if (requested <= tier.maxShards) return { shards: requested, requested, source };
  const asked = source === "shards" ? `spec.shards is ${requested}` : `spec.throughput ${spec.throughput ?? 0} needs ${requested} shards`;
  return {
    shards: tier.maxShards as ShardCount,
    requested,
    source,
    capped: `${asked}, but tier ${tierName} allows at most ${tier.maxShards} shards; running ${tier.maxShards}`,
  };
}

/** Messages per second an instance can send: what its shards carry, within the tier's maximum. */
export function capacityOf(shards: number, messagesPerShard: number, tier: Pick<Tier, "maxMessagesPerSecond">): number {
  return Math.min(Math.floor(shards * messagesPerShard), tier.maxMessagesPerSecond);
}
