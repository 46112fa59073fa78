// One measured step against a running instance: open-loop load at a rate, samples at the edges
// of the measured window, a drain until every accepted message is reported delivered (bounded),
// then the figures: accept latency, accept → `delivered` webhook latency, throughput, loss,
// duplicates, CPU per process, database transactions per second, and batch sizes from /metrics.
import { loadavg } from "node:os";
import type { RunningSystem } from "../runtime/system/testing/instance.js";
import { HttpClient } from "../runtime/system/testing/http.js";
import { runOpenLoop } from "./load.js";
import { machineShares, type MachineShares } from "./machine.js";
import type { Schedule } from "./schedule.js";
import { cpuPercent, histogramBuckets, metricValue, tableDeltas, type Probes, type Sample, type TableCounters } from "./probes.js";
import type { BenchReceiver } from "./receiver.js";
import { distribution, rateIn, shortfalls, timeline, type Distribution, type Slot, type TimedRequest } from "./stats.js";
import { undiciClient } from "./undici-client.js";

export interface StepOptions extends Schedule {
  /** Longest wait after the load for the last `delivered` webhook. */
  readonly drainMs: number;
  readonly recipients: readonly string[];
  readonly connections: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  /** The load generator's HTTP client: its own (http-client.ts) or undici's, as before it. */
  readonly client: "own" | "undici";
}

export interface StepResult {
  readonly rate: number;
  /** The offered rate at the start of the warm-up, which rises linearly to `rate`. */
  readonly fromRate: number;
  readonly seconds: number;
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly accepted: { readonly total: number; readonly measured: number; readonly perSecond: number };
  readonly refused: Record<string, number>;
  readonly shed: number;
  /** Client side, from when each request was due. */
  readonly acceptMs: Distribution;
  /** Client side, from when each request was written. */
  readonly acceptServiceMs: Distribution;
  /** The WebApp's own view (arrival to answer), from its histogram over the whole step: mean and the bucket bound holding p99. */
  readonly serverAcceptMs: { readonly mean: number; readonly p99AtMost: number };
  readonly acceptToDeliveredMs: Distribution;
  /** `delivered` webhooks arriving at the receiver per second during the window. */
  readonly deliveredPerSecond: number;
  /** From the end of the load until the last accepted message was reported delivered. */
  readonly drainMs: number;
  readonly lost: { readonly notAtSimulator: number; readonly notReportedDelivered: number };
  readonly failed: number;
  readonly duplicates: { readonly webhookEvents: number; readonly networkResends: number };
  readonly badSignatures: number;
  readonly cpuPercent: Record<string, number>;
  /** The whole machine over the measured window, % of all cores' time (machine.ts). */
  readonly machinePercent?: MachineShares;
  /** CPU milliseconds per accepted message, by process. */
  readonly cpuMsPerMessage: Record<string, number>;
  readonly postgresTransactionsPerSecond: number;
  /** Row and scan counters per table over the window (pg_stat_user_tables). */
  readonly tables: Record<string, TableCounters>;
  readonly batches: { readonly statusWrites: number; readonly statusWriteMeanMs: number; readonly statusesPerWrite: number; readonly eventsPerWebhookPost: number };
  /** When the load began (the warm-up's start): second 0 of the timeline. */
  readonly loadStartedAt: string;
  /** Per second from the start of the load, the warm-up included (by when requests were due). */
  readonly timeline: Slot[];
  readonly shortfalls: string[];
}

interface Counters {
  simReceived: number; simDuplicates: number; writes: number; writeSeconds: number; statuses: number; posts: number; webhookEvents: number;
  /** The WebApp's own accept histogram: cumulative counts by upper bound (s), and the sum. */
  acceptBuckets: Map<number, number>; acceptSum: number;
}

/** Cumulative counters of the instance, so a step can subtract the previous one's. */
async function counters(system: RunningSystem): Promise<Counters> {
  const stats = await system.sim.stats();
  const c: Counters = { simReceived: stats.received, simDuplicates: stats.duplicates, writes: 0, writeSeconds: 0, statuses: 0, posts: 0, webhookEvents: 0, acceptBuckets: new Map(), acceptSum: 0 };
  for (const [name, port] of system.ports) {
    if (!name.startsWith("coreapp") && name !== "webhook" && name !== "webapp") continue;
    const ops = new HttpClient(`http://127.0.0.1:${port}`, 1);
    try {
      const text = (await ops.request("GET", "/metrics")).body.toString("utf8");
      c.writes += metricValue(text, "waba_coreapp_write_batch_seconds_count");
      c.writeSeconds += metricValue(text, "waba_coreapp_write_batch_seconds_sum");
      for (const s of ["sent", "delivered", "read", "failed"]) c.statuses += metricValue(text, `waba_coreapp_messages_${s}_total`);
      c.posts += metricValue(text, "waba_webhook_requests_total");
      c.webhookEvents += metricValue(text, "waba_webhook_deliveries_total");
      if (name === "webapp") {
        c.acceptBuckets = histogramBuckets(text, "waba_webapp_accept_seconds");
        c.acceptSum = metricValue(text, "waba_webapp_accept_seconds_sum");
      }
    } finally {
      await ops.close();
    }
  }
  return c;
}

/** Mean and p99 bound of the WebApp's accept histogram between two readings, in ms. */
function serverAccept(before: Counters, after: Counters): { mean: number; p99AtMost: number } {
  const bounds = [...after.acceptBuckets.keys()].sort((a, b) => a - b);
  const count = (after.acceptBuckets.get(Infinity) ?? 0) - (before.acceptBuckets.get(Infinity) ?? 0);
  const p99 = bounds.find((b) => (after.acceptBuckets.get(b) ?? 0) - (before.acceptBuckets.get(b) ?? 0) >= 0.99 * count) ?? Infinity;
  return { mean: count ? ((after.acceptSum - before.acceptSum) / count) * 1000 : Number.NaN, p99AtMost: p99 * 1000 };
}

/** The step's figures. The instance may have run steps before: counters are taken as differences. */
export async function runStep(system: RunningSystem, receiver: BenchReceiver, probes: Probes, o: StepOptions, firstIndex: number): Promise<StepResult> {
  const before = await counters(system);
  const received = await receiver.progress();
  const loadStart = loadavg()[0] ?? 0;
  const samples: Promise<Sample>[] = [];
  const authorization = `Basic ${Buffer.from(`${system.env.WABA_API_KEY_ID ?? ""}:${system.secrets.apiKeySecret}`).toString("base64")}`;
  const load = await runOpenLoop({
    origin: system.webappUrl,
    authorization,
    client: o.client === "undici" ? undiciClient({ origin: system.webappUrl, authorization, connections: o.connections, timeoutMs: o.timeoutMs }) : undefined,
    rate: o.rate, fromRate: o.fromRate, warmupMs: o.warmupMs, durationMs: o.durationMs, recipients: o.recipients,
    connections: o.connections, maxInFlight: o.maxInFlight, timeoutMs: o.timeoutMs,
    onWindow: () => { samples.push(probes.sample()); },
  }, firstIndex);
  const [start, end] = await Promise.all(samples);
  if (!start || !end) throw new Error("the measured window was not sampled");

  // Drain: every accepted message reported delivered, or the bound.
  const loadEnd = Date.now();
  const expected = received.delivered + received.failed + load.accepted.length;
  let progress = await receiver.progress();
  while (progress.delivered + progress.failed < expected && Date.now() - loadEnd < o.drainMs) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    progress = await receiver.progress();
  }
  const drainMs = Date.now() - loadEnd;
  const deliveredAt = await receiver.deliveredAt();
  const after = await counters(system);

  const measured = load.accepted.filter((a) => a.measured);
  const toDelivered: number[] = [];
  for (const a of measured) {
    const at = deliveredAt.get(a.id);
    if (at !== undefined) toDelivered.push(at - a.acceptedAt);
  }
  const requests: TimedRequest[] = load.accepted.map((a) => {
    const at = deliveredAt.get(a.id);
    return { dueAt: a.acceptedAt - a.latencyMs, acceptMs: a.latencyMs, deliveredMs: at === undefined ? undefined : at - a.acceptedAt };
  });
  for (const dueAt of load.notAcceptedDueAt) requests.push({ dueAt });
  const seconds = (load.windowEnd - load.windowStart) / 1000;
  const refusedCount = Object.values(load.refused).reduce((x, y) => x + y, 0) + load.shed;
  const notReportedDelivered = load.accepted.filter((a) => !deliveredAt.has(a.id)).length;
  const writes = after.writes - before.writes;
  const cpu = cpuPercent(start, end);
  const figures = {
    rate: o.rate,
    fromRate: o.fromRate,
    seconds,
    loadAverage: { start: loadStart, end: end.loadAverage },
    accepted: { total: load.accepted.length, measured: measured.length, perSecond: measured.length / seconds },
    refused: load.refused,
    shed: load.shed,
    acceptMs: distribution(measured.map((a) => a.latencyMs)),
    acceptServiceMs: distribution(measured.map((a) => a.serviceMs)),
    serverAcceptMs: serverAccept(before, after),
    acceptToDeliveredMs: distribution(toDelivered),
    deliveredPerSecond: rateIn(deliveredAt.values(), load.windowStart, load.windowEnd),
    drainMs,
    lost: { notAtSimulator: Math.max(0, load.accepted.length - (after.simReceived - before.simReceived)), notReportedDelivered },
    failed: progress.failed - received.failed,
    duplicates: { webhookEvents: progress.duplicates - received.duplicates, networkResends: after.simDuplicates - before.simDuplicates },
    badSignatures: progress.badSignatures + progress.malformed - received.badSignatures - received.malformed,
    cpuPercent: cpu,
    machinePercent: start.machine && end.machine ? machineShares(start.machine, end.machine) : undefined,
    cpuMsPerMessage: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, Number(((v * 10) / Math.max(1, measured.length / seconds)).toFixed(3))])),
    tables: tableDeltas(start, end),
    postgresTransactionsPerSecond: Math.round((end.transactions - start.transactions) / ((end.at - start.at) / 1000)),
    batches: {
      statusWrites: writes,
      statusWriteMeanMs: writes ? ((after.writeSeconds - before.writeSeconds) / writes) * 1000 : 0,
      statusesPerWrite: writes ? (after.statuses - before.statuses) / writes : 0,
      eventsPerWebhookPost: after.posts - before.posts ? (after.webhookEvents - before.webhookEvents) / (after.posts - before.posts) : 0,
    },
  };
  return {
    ...figures,
    loadStartedAt: new Date(load.start).toISOString(),
    timeline: timeline(requests, load.start, load.windowEnd, 1000),
    shortfalls: shortfalls({
      offeredPerSecond: o.rate, acceptedPerSecond: figures.accepted.perSecond, acceptP99Ms: figures.acceptMs.p99,
      deliveredPerSecond: figures.deliveredPerSecond, lost: Math.max(notReportedDelivered, figures.lost.notAtSimulator), refused: refusedCount,
    }),
  };
}
