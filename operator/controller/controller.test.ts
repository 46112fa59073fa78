import { Controller } from "./controller.js";
import { TerminalError } from "./errors.js";
import { OperatorMetrics } from "./metrics.js";
import { done, requeueAfter, type Outcome, type ReconcileContext } from "./reconcile.js";
import { FakeClock, flushMicrotasks } from "./testing/fake-clock.js";

type Step = (ctx: ReconcileContext) => Promise<Outcome> | Outcome;

function setup(steps: Step | Step[], options: { workers?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const calls: { key: string; at: number; retries: number }[] = [];
  let n = 0;
  const controller = new Controller({
    name: "test",
    workers: options.workers ?? 1,
    timeoutMs: options.timeoutMs ?? 1000,
    reconcile: async (key, ctx) => {
      calls.push({ key, at: clock.now(), retries: ctx.retries });
      const step = Array.isArray(steps) ? steps[Math.min(n++, steps.length - 1)]! : steps;
      return step(ctx);
    },
  }, { metrics, clock });
  controller.start();
  return { clock, metrics, calls, controller };
}

async function results(metrics: OperatorMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.reconcileTotal.get()).values) out[String(v.labels.result)] = v.value;
  return out;
}

const fail = (): Outcome => { throw new Error("boom"); };

describe("the controller engine", () => {
  it("reconciles a converged key once and not again until it is queued again", async () => {
    const { controller, clock, calls, metrics } = setup(() => done);
    controller.enqueue("ns/a");
    await clock.advance(600_000);
    expect(calls).toHaveLength(1);
    expect(await results(metrics)).toEqual({ success: 1 });
  });

  it("reconciles again after the delay a reconciler asks for", async () => {
    const { controller, clock, calls, metrics } = setup([() => requeueAfter(5000), () => done]);
    controller.enqueue("ns/a");
    await clock.advance(4999);
    expect(calls).toHaveLength(1);
    await clock.advance(1);
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 5000]);
    expect(await results(metrics)).toEqual({ requeue_after: 1, success: 1 });
  });

  it("retries a failing key with exponential backoff and resets it after a success", async () => {
    const { controller, clock, calls, metrics } = setup([fail, fail, fail, () => done]);
    controller.enqueue("ns/a");
    await clock.advance(1000);
    expect(calls.map((c) => c.at - calls[0]!.at)).toEqual([0, 5, 15, 35]);
    expect(calls.map((c) => c.retries)).toEqual([0, 1, 2, 3]);
    expect(controller.queue.numRequeues("ns/a")).toBe(0);
    expect(await results(metrics)).toEqual({ error: 3, success: 1 });
    expect((await metrics.reconcileErrors.get()).values[0]?.value).toBe(3);
  });

  it("does not retry a terminal error, and counts it", async () => {
    const { controller, clock, calls, metrics } = setup(() => { throw new TerminalError("spec.region 'mars' is not configured"); });
    controller.enqueue("ns/a");
    await clock.advance(600_000);
    expect(calls).toHaveLength(1);
    expect(await results(metrics)).toEqual({ terminal_error: 1 });
    expect((await metrics.terminalErrors.get()).values[0]?.value).toBe(1);
    expect((await metrics.reconcileErrors.get()).values).toEqual([]);
  });

  it("treats a value that is not an Outcome as an error", async () => {
    const { controller, clock, calls, metrics } = setup([() => ({ kind: "later" }) as unknown as Outcome, () => done]);
    controller.enqueue("ns/a");
    await clock.advance(100);
    expect(calls).toHaveLength(2);
    expect(await results(metrics)).toEqual({ error: 1, success: 1 });
  });

  it("aborts a reconcile past its time box, retries it, and never runs it twice at once", async () => {
    let running = 0;
    let maxRunning = 0;
    let aborted = false;
    const { controller, clock, calls, metrics } = setup([
      async (ctx) => {
        running++; maxRunning = Math.max(maxRunning, running);
        // Ignores its time box for a while after the abort, like a request that is already out.
        await new Promise<void>((resolve) => { ctx.signal.addEventListener("abort", () => { aborted = true; resolve(); }); });
        await new Promise<void>((resolve) => clock.setTimer(3000, resolve));
        running--;
        return done;
      },
      () => { running++; maxRunning = Math.max(maxRunning, running); running--; return done; },
    ], { timeoutMs: 1000 });
    controller.enqueue("ns/a");
    await clock.advance(1000);
    expect(aborted).toBe(true);
    expect(await results(metrics)).toEqual({ timeout: 1 });
    controller.enqueue("ns/a");
    await clock.advance(2000);
    expect(calls).toHaveLength(1);
    await clock.advance(1000);
    expect(calls).toHaveLength(2);
    expect(maxRunning).toBe(1);
    expect(await results(metrics)).toEqual({ timeout: 1, success: 1 });
  });

  it("runs different keys in parallel but one key on one worker at a time", async () => {
    const active = new Map<string, number>();
    let overlapSameKey = false;
    let maxParallel = 0;
    const { controller, clock, calls } = setup(async (ctx) => {
      const now = (active.get(ctx.key) ?? 0) + 1;
      active.set(ctx.key, now);
      if (now > 1) overlapSameKey = true;
      maxParallel = Math.max(maxParallel, [...active.values()].reduce((a, b) => a + b, 0));
      controller.enqueue(ctx.key);
      await new Promise<void>((resolve) => clock.setTimer(100, resolve));
      active.set(ctx.key, now - 1);
      return done;
    }, { workers: 3 });
    controller.enqueue("ns/a");
    controller.enqueue("ns/b");
    await clock.advance(450);
    expect(overlapSameKey).toBe(false);
    expect(maxParallel).toBe(2);
    expect(calls.filter((c) => c.key === "ns/a").length).toBeGreaterThanOrEqual(4);
    const stopped = controller.stop(0);
    await clock.advance(100);
    await stopped;
  });

  it("on stop finishes the reconcile in flight and takes no new keys", async () => {
    let finished = false;
    const { controller, clock, calls } = setup(async (ctx) => {
      await new Promise<void>((resolve) => clock.setTimer(500, resolve));
      finished = !ctx.signal.aborted;
      return done;
    }, { timeoutMs: 10_000 });
    controller.enqueue("ns/a");
    controller.enqueue("ns/b");
    await flushMicrotasks();
    const stopped = controller.stop(5000);
    await clock.advance(500);
    await stopped;
    expect(finished).toBe(true);
    expect(calls.map((c) => c.key)).toEqual(["ns/a"]);
  });

  it("aborts in-flight reconciles when the shutdown deadline passes", async () => {
    let abortedAt = -1;
    const { controller, clock } = setup(async (ctx) => {
      await new Promise<void>((resolve) => { ctx.signal.addEventListener("abort", () => { abortedAt = clock.now(); resolve(); }); });
      return done;
    }, { timeoutMs: 60_000 });
    controller.enqueue("ns/a");
    await flushMicrotasks();
    const start = clock.now();
    const stopped = controller.stop(2000);
    await clock.advance(2000);
    await stopped;
    expect(abortedAt - start).toBe(2000);
  });

  it("refuses a worker count that is not a positive integer", () => {
    const metrics = new OperatorMetrics({ defaultMetrics: false });
    expect(() => new Controller({ name: "x", workers: 0, reconcile: () => Promise.resolve(done) }, { metrics })).toThrow("workers must be an integer >= 1");
  });
});
