import { TtlCache } from "./ttl-cache.js";

describe("the TTL cache", () => {
  it("loads once per key while fresh and again after the TTL", async () => {
    let clock = 0;
    const loads: string[] = [];
    const cache = new TtlCache((k: string) => { loads.push(k); return Promise.resolve(`${k}@${clock}`); }, 1000, 10, () => clock);
    expect(await cache.get("a")).toBe("a@0");
    clock = 799;
    expect(await cache.get("a")).toBe("a@0");
    clock = 1000;
    expect(await cache.get("a")).toBe("a@1000");
    expect(loads).toEqual(["a", "a"]);
  });

  it("refreshes a key in the last fifth of its life in the background, serving the cached value meanwhile", async () => {
    let clock = 0;
    let release: (() => void) | undefined;
    const loads: number[] = [];
    const cache = new TtlCache(async () => {
      loads.push(clock);
      if (loads.length > 1) await new Promise<void>((resolve) => { release = resolve; });
      return clock;
    }, 1000, 10, () => clock);
    expect(await cache.get("a")).toBe(0);
    clock = 850;
    // The refresh has started but not finished: the caller does not wait for it.
    expect(await cache.get("a")).toBe(0);
    expect(await cache.get("a")).toBe(0);
    expect(loads).toEqual([0, 850]);
    clock = 900;
    release?.();
    await new Promise((resolve) => setImmediate(resolve));
    // Valid for ttl from when the refresh started, never longer.
    clock = 1849;
    expect(await cache.get("a")).toBe(900);
  });

  it("does not remember a load that was running when the key was invalidated", async () => {
    let value = "old";
    let release: (() => void) | undefined;
    const cache = new TtlCache(async () => {
      const read = value;
      await new Promise<void>((resolve) => { release = resolve; });
      return read;
    }, 60_000);
    const first = cache.get("k");
    value = "new";
    cache.invalidate("k");
    release?.();
    expect(await first).toBe("old");
    const second = cache.get("k");
    release?.();
    expect(await second).toBe("new");
  });

  it("shares one load between concurrent misses and forgets on invalidate", async () => {
    let loads = 0;
    const cache = new TtlCache(() => { loads += 1; return Promise.resolve(loads); }, 60_000);
    expect(await Promise.all([cache.get("k"), cache.get("k"), cache.get("k")])).toEqual([1, 1, 1]);
    cache.invalidate("k");
    expect(await cache.get("k")).toBe(2);
  });

  it("keeps at most maxEntries, dropping the oldest", async () => {
    let loads = 0;
    const cache = new TtlCache((k: string) => { loads += 1; return Promise.resolve(k); }, 60_000, 2);
    await cache.get("a");
    await cache.get("b");
    await cache.get("c");
    await cache.get("b");
    expect(loads).toBe(3);
    await cache.get("a");
    expect(loads).toBe(4);
  });

  it("does not remember a failed load", async () => {
    let fail = true;
    const cache = new TtlCache(() => (fail ? Promise.reject(new Error("db down")) : Promise.resolve("ok")), 60_000);
    await expect(cache.get("k")).rejects.toThrow("db down");
    fail = false;
    await expect(cache.get("k")).resolves.toBe("ok");
  });
});
