import { Slots } from "./slots.js";

/** A queue of work items and a loop that takes them one at a time, as a slot claims batches. */
function setup() {
  const work: number[] = [];
  const done: number[] = [];
  let release: (() => void) | undefined;
  const slots = new Slots(async () => {
    for (;;) {
      const item = work.shift();
      if (item === undefined) {
        // A pause between "found nothing" and returning, where a wake can slip in.
        await new Promise<void>((resolve) => { release = resolve; });
        if (slots.takeWake()) continue;
        return;
      }
      done.push(item);
      await Promise.resolve();
    }
  }, () => undefined);
  return { work, done, slots, release: () => release?.() };
}

describe("delivery slots", () => {
  it("run one loop per wake while idle, and remember a wake that comes while the loop finds nothing", async () => {
    const { work, done, slots, release } = setup();
    work.push(1);
    slots.wake();
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual([1]);
    expect(slots.size).toBe(1);
    // Work arrives while the only slot has found nothing but not yet returned.
    work.push(2);
    slots.wake();
    expect(slots.size).toBe(1); // no second slot: the busy one looks again
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual([1, 2]);
    release();
    await slots.stop();
    expect(slots.size).toBe(0);
  });

  it("start no slot once stopped", async () => {
    const { work, done, slots } = setup();
    await slots.stop();
    work.push(1);
    slots.wake();
    expect(slots.size).toBe(0);
    expect(done).toEqual([]);
  });
});
