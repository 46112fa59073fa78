import type { Timers } from "./batcher.js";
import { WakeSchedule } from "./wake-schedule.js";

/** A clock and timers the test moves by hand; a timer fires once the clock is past its time (a batch at that very moment comes first). */
function manualTime() {
  let now = 1000;
  const pending = new Map<number, { at: number; fn: () => void }>();
  let next = 0;
  const timers: Timers = {
    setTimeout: (fn, ms) => { pending.set(++next, { at: now + ms, fn }); return next; },
    clearTimeout: (handle) => { pending.delete(handle as number); },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const [id, t] of [...pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at >= now) continue;
      pending.delete(id);
      t.fn();
    }
  };
  return { timers, now: () => now, advance, get armed() { return [...pending.values()].map((t) => t.at - now); } };
}

function schedule() {
  const time = manualTime();
  const alone: number[][] = [];
  const wakes = new WakeSchedule((buckets) => { alone.push([...buckets].sort((a, b) => a - b)); return Promise.resolve(); }, 10, time.timers, time.now);
  return { time, alone, wakes };
}

describe("which accept batches NOTIFY the CoreApps", () => {
  it("a batch NOTIFYs its buckets when none did in the last 10 ms, and otherwise stays silent", () => {
    const { time, wakes } = schedule();
    expect(wakes.take([3, 5])).toEqual([3, 5]);
    time.advance(4);
    expect(wakes.take([7])).toEqual([]);
    time.advance(6);
    expect(wakes.take([9])).toEqual([9]);
  });

  it("the next notifying batch also announces the buckets of silent batches committed before it", () => {
    const { time, alone, wakes } = schedule();
    wakes.take([1]);
    time.advance(3);
    expect(wakes.take([2, 4])).toEqual([]);
    wakes.owe([2, 4]);
    time.advance(7);
    expect(wakes.take([4, 6]).sort()).toEqual([2, 4, 6]);
    time.advance(50);
    expect(alone).toEqual([]); // nothing left to announce alone
  });

  it("when no batch follows, a NOTIFY of their own announces them 20 ms after the last one", () => {
    const { time, alone, wakes } = schedule();
    wakes.take([1]);
    time.advance(2);
    wakes.take([2]);
    wakes.owe([2]);
    expect(time.armed).toEqual([18]);
    time.advance(18);
    expect(alone).toEqual([]);
    time.advance(1);
    expect(alone).toEqual([[2]]);
    // and that NOTIFY counts: a batch right after it stays silent
    expect(wakes.take([3])).toEqual([]);
  });

  it("buckets owed just after a trailing NOTIFY get one of their own 20 ms later", () => {
    const { time, alone, wakes } = schedule();
    wakes.take([1]);
    wakes.owe([2]); // silent batch committed; its NOTIFY is due at +20
    time.advance(21);
    expect(alone).toEqual([[2]]);
    wakes.owe([3]);
    expect(time.armed).toEqual([20]);
    time.advance(21);
    expect(alone).toEqual([[2], [3]]);
  });

  it("a notifying batch that failed gives back the buckets, its own and the earlier ones it took", () => {
    const { time, alone, wakes } = schedule();
    wakes.take([1]);
    time.advance(10);
    wakes.owe([2]); // a silent batch committed
    const taken = wakes.take([7]); // but a batch starting now takes bucket 2 with it …
    expect(taken.sort()).toEqual([2, 7]);
    wakes.owe(taken); // … and its transaction rolled back
    time.advance(1);
    expect(alone).toEqual([]); // the window of the failed batch's NOTIFY is still open
    time.advance(10);
    expect(alone).toEqual([[2, 7]]);
  });

  it("flush announces what is owed at once and cancels the timer", async () => {
    const { time, alone, wakes } = schedule();
    wakes.take([1]);
    wakes.owe([4, 2]);
    await wakes.flush();
    expect(alone).toEqual([[2, 4]]);
    expect(time.armed).toEqual([]);
    await wakes.flush();
    expect(alone).toEqual([[2, 4]]);
  });
});
