import { ItemExponentialRateLimiter } from "./rate-limiter.js";
import { FakeClock, flushMicrotasks } from "./testing/fake-clock.js";
import { WorkQueue, type WorkQueueMetrics } from "./workqueue.js";

function recorder() {
  const seen = { depth: [] as number[], adds: 0, queued: [] as number[], worked: [] as number[], retries: 0 };
  const metrics: WorkQueueMetrics = {
    depth: (n) => seen.depth.push(n),
    added: () => { seen.adds++; },
    queued: (s) => seen.queued.push(s),
    worked: (s) => seen.worked.push(s),
    retried: () => { seen.retries++; },
  };
  return { seen, metrics };
}

function setup() {
  const clock = new FakeClock();
  const { seen, metrics } = recorder();
  const queue = new WorkQueue<string>(clock, new ItemExponentialRateLimiter<string>(5, 1000), metrics);
  return { clock, seen, queue };
}

describe("the work queue", () => {
  it("hands out a key added many times before it is taken only once", async () => {
    const { queue, seen } = setup();
    queue.add("ns/a");
    queue.add("ns/a");
    queue.add("ns/b");
    queue.add("ns/a");
    expect(queue.length).toBe(2);
    expect(seen.adds).toBe(2);
    expect(await queue.get()).toBe("ns/a");
    expect(await queue.get()).toBe("ns/b");
    expect(queue.length).toBe(0);
  });

  it("never hands out a key that is being processed, and re-queues it once when done", async () => {
    const { queue } = setup();
    queue.add("ns/a");
    const key = await queue.get();
    queue.add("ns/a");
    queue.add("ns/a");
    expect(queue.length).toBe(0);

    let second: string | undefined;
    void queue.get().then((k) => { second = k; });
    await flushMicrotasks();
    expect(second).toBeUndefined();

    queue.done(key!);
    await flushMicrotasks();
    expect(second).toBe("ns/a");
    expect(queue.length).toBe(0);
  });

  it("gives a blocked get() the next key added", async () => {
    const { queue } = setup();
    const pending = queue.get();
    queue.add("ns/x");
    expect(await pending).toBe("ns/x");
  });

  it("adds a delayed key only when its time has come, earliest first", async () => {
    const { queue, clock } = setup();
    queue.addAfter("late", 300);
    queue.addAfter("early", 100);
    queue.addAfter("now", 0);
    expect(queue.length).toBe(1);
    await clock.advance(99);
    expect(queue.length).toBe(1);
    await clock.advance(1);
    expect(queue.length).toBe(2);
    await clock.advance(200);
    expect([await queue.get(), await queue.get(), await queue.get()]).toEqual(["now", "early", "late"]);
  });

  it("keeps the earlier time when a waiting key is delayed again", async () => {
    const { queue, clock } = setup();
    queue.addAfter("k", 100);
    queue.addAfter("k", 1000);
    await clock.advance(100);
    expect(queue.length).toBe(1);
    queue.addAfter("k2", 500);
    queue.addAfter("k2", 50);
    await clock.advance(50);
    expect(queue.length).toBe(2);
    await clock.advance(2000);
    expect(queue.length).toBe(2);
  });

  it("backs a failing key off exponentially up to the cap, and forget() starts it over", async () => {
    const { queue, clock, seen } = setup();
    const readyAfter = async (): Promise<number> => {
      queue.addRateLimited("k");
      let waited = 0;
      while (queue.length === 0) { await clock.advance(1); waited++; }
      const key = await queue.get();
      queue.done(key!);
      return waited;
    };
    const delays: number[] = [];
    for (let i = 0; i < 10; i++) delays.push(await readyAfter());
    expect(delays).toEqual([5, 10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
    expect(queue.numRequeues("k")).toBe(10);
    expect(seen.retries).toBe(10);
    queue.forget("k");
    expect(queue.numRequeues("k")).toBe(0);
    expect(await readyAfter()).toBe(5);
  });

  it("measures how long keys wait and how long they are worked on", async () => {
    const { queue, clock, seen } = setup();
    queue.add("k");
    await clock.advance(250);
    const key = await queue.get();
    await clock.advance(1500);
    queue.done(key!);
    expect(seen.queued).toEqual([0.25]);
    expect(seen.worked).toEqual([1.5]);
    expect(seen.depth.at(-1)).toBe(0);
  });

  it("after shutdown hands out nothing, drops new and delayed adds, and drain waits for keys in process", async () => {
    const { queue, clock } = setup();
    queue.add("a");
    queue.add("b");
    queue.addAfter("c", 10);
    const a = await queue.get();

    let drained = false;
    const drain = queue.drain().then(() => { drained = true; });
    expect(await queue.get()).toBeUndefined();
    queue.add("d");
    await clock.advance(100);
    expect(queue.length).toBe(0);
    expect(drained).toBe(false);

    queue.done(a!);
    await drain;
    expect(drained).toBe(true);
    expect(queue.inFlight).toBe(0);
  });

  it("wakes every blocked get() with undefined on shutdown", async () => {
    const { queue } = setup();
    const waiting = [queue.get(), queue.get()];
    queue.shutDown();
    expect(await Promise.all(waiting)).toEqual([undefined, undefined]);
  });
});
