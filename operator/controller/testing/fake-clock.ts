// A manual clock for unit tests: time moves only when the test calls advance().
import type { Clock, Timer } from "../clock.js";

interface Pending { at: number; seq: number; fn: () => void; cancelled: boolean }

export class FakeClock implements Clock {
  private current: number;
  private seq = 0;
  private pending: Pending[] = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const entry: Pending = { at: this.current + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.pending.push(entry);
    return { cancel: () => { entry.cancelled = true; } };
  }

  /**
   * Moves time forward by `ms`, firing due timers in order; between timers it lets promise
   * callbacks run, so code awaiting a timer proceeds as it would in real time.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      const next = this.pending
        .filter((p) => !p.cancelled && p.at <= target)
        .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!next) break;
      this.pending = this.pending.filter((p) => p !== next);
      this.current = Math.max(this.current, next.at);
      next.fn();
    }
    this.current = target;
    this.pending = this.pending.filter((p) => !p.cancelled);
    await flushMicrotasks();
  }
}

/** Lets every queued promise callback (and the ones they queue) run. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => { setImmediate(resolve); });
}
