import fc from "fast-check";
import { allowedShardCounts, bucketOf, bucketsOfShard, recipientHash, shardOf } from "./hash.js";

describe("recipient sharding", () => {
  it("is FNV-1a 32 bit (known vectors)", () => {
    expect(recipientHash("")).toBe(0x811c9dc5);
    expect(recipientHash("a")).toBe(0xe40c292c);
    expect(recipientHash("foobar")).toBe(0xbf9cf968);
  });

  it("agrees with hash % shards for every allowed shard count", () => {
    fc.assert(fc.property(fc.stringMatching(/^[1-9]\d{6,14}$/), fc.constantFrom(...allowedShardCounts), (waId, shards) => {
      expect(shardOf(waId, shards)).toBe(recipientHash(waId) % shards);
      expect(bucketsOfShard(shardOf(waId, shards), shards)).toContain(bucketOf(waId));
    }));
  });

  it("gives every bucket to exactly one shard", () => {
    for (const shards of allowedShardCounts) {
      const owned = Array.from({ length: shards }, (_, s) => bucketsOfShard(s, shards)).flat().sort((a, b) => a - b);
      expect(owned).toEqual(Array.from({ length: 32 }, (_, b) => b));
    }
  });

  it("spreads phone numbers evenly over 32 shards", () => {
    const counts = new Array<number>(32).fill(0);
    for (let i = 0; i < 32_000; i++) counts[shardOf(`4915${String(10_000_000 + i * 7919)}`, 32)]!++;
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect(Math.max(...counts)).toBeLessThan(1200);
  });

  it("refuses a shard outside the count", () => {
    expect(() => bucketsOfShard(4, 4)).toThrow("shard 4 is not in 0..3");
  });
});
