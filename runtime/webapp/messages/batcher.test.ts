import { Batcher, type Timers } from "./batcher.js";

/** Timers that fire only when the test says so. */
function manualTimers() {
  const pending = new Map<number, () => void>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (fn) => { pending.set(++next, fn); return next; },
    clearTimeout: (handle) => { pending.delete(handle as number); },
  };
  const fire = () => { const fns = [...pending.values()]; pending.clear(); for (const fn of fns) fn(); };
  return { timers, fire, get armed() { return pending.size; } };
}

/** A flush whose batches the test completes by hand. */
function manualFlush() {
  const batches: { items: number[]; resolve: (r: string[]) => void; reject: (e: unknown) => void }[] = [];
  const flush = (items: number[]) => new Promise<string[]>((resolve, reject) => { batches.push({ items, resolve, reject }); });
  const complete = (i: number) => { const b = batches[i]!; b.resolve(b.items.map((n) => `r${n}`)); };
  return { batches, flush, complete };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the group-commit batcher", () => {
  it("sends a batch as soon as it holds maxRows items", async () => {
    const t = manualTimers();
    const f = manualFlush();
    const b = new Batcher(f.flush, { maxRows: 3, maxWaitMs: 2, maxInFlight: 2 }, t.timers);
    const results = [1, 2, 3].map((n) => b.submit(n));
    expect(f.batches.map((x) => x.items)).toEqual([[1, 2, 3]]);
    f.complete(0);
    await expect(Promise.all(results)).resolves.toEqual(["r1", "r2", "r3"]);
  });

  it("sends a smaller batch when its oldest item has waited maxWaitMs", async () => {
    const t = manualTimers();
    const f = manualFlush();
    const b = new Batcher(f.flush, { maxRows: 100, maxWaitMs: 2, maxInFlight: 2 }, t.timers);
    const results = [b.submit(1), b.submit(2)];
    expect(f.batches).toHaveLength(0);
    expect(t.armed).toBe(1); // one timer for the batch, not one per item
    t.fire();
    expect(f.batches.map((x) => x.items)).toEqual([[1, 2]]);
    f.complete(0);
    await expect(Promise.all(results)).resolves.toEqual(["r1", "r2"]);
  });

  it("gathers items arriving while maxInFlight batches run into the next batch", async () => {
    const t = manualTimers();
    const f = manualFlush();
    const b = new Batcher(f.flush, { maxRows: 100, maxWaitMs: 2, maxInFlight: 1 }, t.timers);
    const first = b.submit(1);
    t.fire();
    const later = [2, 3, 4].map((n) => b.submit(n));
    t.fire();
    expect(f.batches.map((x) => x.items)).toEqual([[1]]);
    f.complete(0);
    await first;
    await settle();
    expect(f.batches.map((x) => x.items)).toEqual([[1], [2, 3, 4]]);
    f.complete(1);
    await expect(Promise.all(later)).resolves.toEqual(["r2", "r3", "r4"]);
  });

  it("fails every item of a batch whose flush fails, and only those", async () => {
    const t = manualTimers();
    const f = manualFlush();
    const b = new Batcher(f.flush, { maxRows: 2, maxWaitMs: 2, maxInFlight: 2 }, t.timers);
    const failing = [b.submit(1), b.submit(2)];
    const fine = [b.submit(3), b.submit(4)];
    f.batches[0]!.reject(new Error("database down"));
    f.complete(1);
    for (const p of failing) await expect(p).rejects.toThrow("database down");
    await expect(Promise.all(fine)).resolves.toEqual(["r3", "r4"]);
  });

  it("fails a batch whose flush answers the wrong number of results", async () => {
    const b = new Batcher(() => Promise.resolve(["only one"]), { maxRows: 2, maxWaitMs: 2, maxInFlight: 1 });
    await expect(Promise.all([b.submit(1), b.submit(2)])).rejects.toThrow("1 results for 2 items");
  });

  it("flushes what is queued when closed, then refuses new items", async () => {
    const t = manualTimers();
    const f = manualFlush();
    const b = new Batcher(f.flush, { maxRows: 100, maxWaitMs: 1000, maxInFlight: 1 }, t.timers);
    const queued = b.submit(7);
    const closing = b.close();
    expect(f.batches.map((x) => x.items)).toEqual([[7]]);
    f.complete(0);
    await closing;
    await expect(queued).resolves.toBe("r7");
    await expect(b.submit(8)).rejects.toThrow("closed");
  });
});
