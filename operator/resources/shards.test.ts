import fc from "fast-check";
import { allowedShards } from "../api/constants.js";
import { capacityOf, effectiveShards, shardsForThroughput } from "./shards.js";

describe("shards for a throughput", () => {
  it("picks the smallest allowed count whose capacity carries the throughput", () => {
    expect(shardsForThroughput(1, 10)).toBe(1);
    expect(shardsForThroughput(10, 10)).toBe(1);
    expect(shardsForThroughput(11, 10)).toBe(2);
    expect(shardsForThroughput(40, 10)).toBe(4);
    expect(shardsForThroughput(41, 10)).toBe(8);
    expect(shardsForThroughput(350, 11)).toBe(32);
    expect(shardsForThroughput(undefined, 10)).toBeUndefined();
  });

  it("never picks fewer shards than needed nor more than the next power of two", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 320 }), fc.integer({ min: 1, max: 50 }), (throughput, perShard) => {
        const shards = shardsForThroughput(throughput, perShard)!;
        const index = allowedShards.indexOf(shards);
        const largest = shards === allowedShards[allowedShards.length - 1];
        expect(largest || shards * perShard >= throughput).toBe(true);
        if (index > 0) expect(allowedShards[index - 1]! * perShard).toBeLessThan(throughput);
      }),
    );
  });

  it("gives the largest count when even 32 shards cannot carry the throughput", () => {
    expect(shardsForThroughput(10_000, 10)).toBe(32);
  });
});

describe("effective shards", () => {
  const tier = { maxShards: 8 };

  it("takes spec.shards, else the throughput's shards, else 1", () => {
    expect(effectiveShards({ shards: 4 }, "standard", tier, 10)).toEqual({ shards: 4, requested: 4, source: "shards" });
    expect(effectiveShards({ throughput: 25 }, "standard", tier, 10)).toEqual({ shards: 4, requested: 4, source: "throughput" });
    expect(effectiveShards({}, "standard", tier, 10)).toEqual({ shards: 1, requested: 1, source: "default" });
  });

  it("caps at the tier's maximum and says so", () => {
    expect(effectiveShards({ shards: 32 }, "standard", tier, 10)).toEqual({
      shards: 8, requested: 32, source: "shards",
      capped: "spec.shards is 32, but tier standard allows at most 8 shards; running 8",
    });
    expect(effectiveShards({ throughput: 300 }, "standard", tier, 10).capped).toBe(
      "spec.throughput 300 needs 32 shards, but tier standard allows at most 8 shards; running 8",
    );
  });
});

describe("capacity", () => {
  it("is what the shards carry, within the tier's maximum", () => {
    expect(capacityOf(4, 10, { maxMessagesPerSecond: 80 })).toBe(40);
    expect(capacityOf(16, 10, { maxMessagesPerSecond: 80 })).toBe(80);
    expect(capacityOf(2, 12.5, { maxMessagesPerSecond: 80 })).toBe(25);
  });
});
