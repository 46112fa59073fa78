import { EventRecorder, microTime, type EventInput, type EventObject, type EventSink } from "./events.js";
import { OperatorMetrics } from "./metrics.js";
import { FakeClock, flushMicrotasks } from "./testing/fake-clock.js";

function setup(options: { failCreate?: boolean; burst?: number } = {}) {
  const clock = new FakeClock();
  const created: EventObject[] = [];
  const series: { name: string; count: number; lastObservedTime: string }[] = [];
  const sink: EventSink = {
    create: (event) => (options.failCreate ? Promise.reject(new Error("forbidden")) : (created.push(event), Promise.resolve())),
    updateSeries: (_ns, name, s) => { series.push({ name, ...s }); return Promise.resolve(); },
  };
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const recorder = new EventRecorder(sink, {
    reportingController: "example.com/operator", reportingInstance: "pod-0", clock, metrics,
    seriesWindowMs: 360_000, seriesIntervalMs: 30_000, ...(options.burst ? { burst: options.burst } : {}),
  });
  return { clock, created, series, recorder, metrics };
}

const widget = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w1", namespace: "acme", uid: "uid-1", resourceVersion: "7" } };
const failing: EventInput = { regarding: widget, type: "Warning", reason: "ApplyFailed", action: "Apply", note: "StatefulSet w1-core: quota exceeded" };

async function outcomes(metrics: OperatorMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.events.get()).values) out[String(v.labels.outcome)] = v.value;
  return out;
}

describe("the event recorder", () => {
  it("writes one Event for the first occurrence, with who reported it and what it is about", async () => {
    const { created, recorder, clock } = setup();
    recorder.record(failing);
    await recorder.flush();
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      apiVersion: "events.k8s.io/v1", kind: "Event", type: "Warning", reason: "ApplyFailed", action: "Apply",
      note: "StatefulSet w1-core: quota exceeded", reportingController: "example.com/operator", reportingInstance: "pod-0",
      metadata: { namespace: "acme" }, eventTime: microTime(clock.now()),
      regarding: { apiVersion: "example.com/v1", kind: "Widget", name: "w1", namespace: "acme", uid: "uid-1" },
    });
    expect(created[0]!.metadata.name).toMatch(/^w1\.[0-9a-f]{16}$/);
  });

  it("folds a thousand repeats of a loop into one Event and one series update per interval", async () => {
    const { created, series, recorder, clock, metrics } = setup();
    for (let i = 0; i < 1000; i++) {
      recorder.record(failing);
      await clock.advance(10);
    }
    await clock.advance(30_000);
    expect(created).toHaveLength(1);
    expect(series).toEqual([{ name: created[0]!.metadata.name, count: 1000, lastObservedTime: expect.any(String) }]);
    // The last write was at 30 s; the next may come at 60 s, whatever the time of the repeat (40 s).
    recorder.record(failing);
    await clock.advance(19_999);
    expect(series).toHaveLength(1);
    const pending = async () => (await metrics.eventsPendingSeries.get()).values[0]?.value;
    expect(await pending()).toBe(1);
    await clock.advance(1);
    expect(series.at(-1)?.count).toBe(1001);
    expect(await pending()).toBe(0);
    expect(await outcomes(metrics)).toEqual({ created: 1, series: 2 });
  });

  it("keeps different reasons, notes and objects apart", async () => {
    const { created, recorder } = setup();
    recorder.record(failing);
    recorder.record({ ...failing, note: "another note" });
    recorder.record({ ...failing, reason: "Other" });
    recorder.record({ ...failing, regarding: { ...widget, metadata: { ...widget.metadata, uid: "uid-2", name: "w2" } } });
    await recorder.flush();
    expect(created).toHaveLength(4);
  });

  it("starts a new Event when the same thing happens again after the series window", async () => {
    const { created, recorder, clock } = setup();
    recorder.record(failing);
    await clock.advance(360_001);
    recorder.record(failing);
    await recorder.flush();
    expect(created).toHaveLength(2);
  });

  it("stops one object from starting more Events than its burst, even with changing notes", async () => {
    const { created, recorder, metrics, clock } = setup({ burst: 5 });
    for (let i = 0; i < 50; i++) recorder.record({ ...failing, note: `attempt ${i}` });
    await recorder.flush();
    expect(created).toHaveLength(5);
    expect((await outcomes(metrics)).suppressed).toBe(45);
    await clock.advance(300_000);
    recorder.record({ ...failing, note: "later" });
    await recorder.flush();
    expect(created).toHaveLength(6);
  });

  it("cuts long notes to 1 kB", async () => {
    const { created, recorder } = setup();
    recorder.record({ ...failing, note: "x".repeat(5000) });
    await recorder.flush();
    expect(created[0]!.note.length).toBe(1024);
  });

  it("never throws when the API refuses the Event, and counts the failure", async () => {
    const { recorder, metrics } = setup({ failCreate: true });
    expect(() => { recorder.record(failing); }).not.toThrow();
    await recorder.flush();
    await flushMicrotasks();
    expect((await outcomes(metrics)).failed).toBe(1);
  });
});
