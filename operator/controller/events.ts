// Kubernetes Events (events.k8s.io/v1) about the objects the operator manages, aggregated so a
// reconcile loop cannot flood the API server:
//   - the first occurrence creates an Event;
//   - an identical one (same object, type, reason, action, note) within `seriesWindowMs` only
//     counts; the count is written as the Event's `series` at most once per `seriesIntervalMs`;
//   - each object may start at most `burst` new Events, refilled at one per `refillMs`
//     (client-go's spam filter), so even changing notes cannot flood.
// record() never throws and never waits: an Event is worth less than the reconcile recording it.
// Notes are shown to anyone who can read Events: never put secret values in them.
import type { KubernetesObject } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import type { KubeClient } from "./client.js";
import { systemClock, type Clock, type Timer } from "./clock.js";
import { silentLogger, type Logger } from "./logger.js";
import type { OperatorMetrics } from "./metrics.js";
import { TokenBucket } from "./rate-limiter.js";

export type EventType = "Normal" | "Warning";

export interface EventInput {
  /** The object the Event is about. */
  readonly regarding: KubernetesObject;
  readonly type: EventType;
  /** Why, in UpperCamelCase (e.g. "ShardsScaled"); at most 128 characters. */
  readonly reason: string;
  /** What the controller did, in UpperCamelCase (e.g. "Scale"); at most 128 characters. */
  readonly action: string;
  /** A sentence for people; cut to 1 kB. */
  readonly note: string;
}

export interface EventObject {
  apiVersion: "events.k8s.io/v1";
  kind: "Event";
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  type: EventType;
  note: string;
  regarding: { apiVersion?: string; kind?: string; name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  series?: { count: number; lastObservedTime: string };
}

/** Where Events go: the API server (apiEventSink) or, in unit tests, a recorder. */
export interface EventSink {
  create(event: EventObject): Promise<void>;
  updateSeries(namespace: string, name: string, series: { count: number; lastObservedTime: string }): Promise<void>;
}

export interface EventRecorderOptions {
  /** e.g. "waba.dev/operator". */
  readonly reportingController: string;
  /** This replica, e.g. the pod name. */
  readonly reportingInstance: string;
  /** @default 360000 (6 min, as client-go) */
  readonly seriesWindowMs?: number;
  /** @default 30000 */
  readonly seriesIntervalMs?: number;
  /** New Events one object may start at once. @default 25 */
  readonly burst?: number;
  /** One more new Event per object per this many ms. @default 300000 */
  readonly refillMs?: number;
  /** Distinct Events remembered for aggregation. @default 4096 */
  readonly maxEntries?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly metrics?: OperatorMetrics;
}

interface Entry {
  name: string;
  namespace: string;
  type: EventType;
  count: number;
  written: number;
  lastObserved: number;
  lastWrite: number;
  creating: Promise<boolean>;
  timer: Timer | undefined;
}

const cut = (text: string, max: number) => (text.length > max ? text.slice(0, max - 1) + "…" : text);

/** RFC 3339 with microseconds, the MicroTime format Events need. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

export class EventRecorder {
  private readonly entries = new Map<string, Entry>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly clock: Clock;
  private readonly logger: Logger;

  constructor(private readonly sink: EventSink, private readonly options: EventRecorderOptions) {
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger()).child({ component: "events" });
  }

  record(input: EventInput): void {
    const now = this.clock.now();
    const ref = input.regarding.metadata ?? {};
    const objectId = ref.uid ?? `${input.regarding.kind ?? ""}/${ref.namespace ?? ""}/${ref.name ?? ""}`;
    const key = JSON.stringify([objectId, input.type, input.reason, input.action, input.note]);
    const existing = this.entries.get(key);
    if (existing && now - existing.lastObserved <= (this.options.seriesWindowMs ?? 360_000)) {
      existing.count++;
      existing.lastObserved = now;
      this.entries.delete(key);
      this.entries.set(key, existing); // most recently used last
      this.scheduleSeries(existing);
      return;
    }
    if (existing) this.forget(key, existing);
    if (!this.bucketFor(objectId).tryTake()) {
      this.count(input.type, "suppressed");
      return;
    }
    this.create(key, input, now);
  }

  /** Writes pending series counts now and waits for every write in flight (shutdown, tests). */
  async flush(): Promise<void> {
    for (const entry of this.entries.values()) {
      if (entry.timer) { this.cancelTimer(entry); this.track(this.writeSeries(entry)); }
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private create(key: string, input: EventInput, now: number): void {
    const { regarding } = input;
    const meta = regarding.metadata ?? {};
    const namespace = meta.namespace ?? "default";
    const name = `${meta.name ?? "object"}.${randomBytes(8).toString("hex")}`;
    const event: EventObject = {
      apiVersion: "events.k8s.io/v1", kind: "Event",
      metadata: { name, namespace },
      eventTime: microTime(now),
      reportingController: this.options.reportingController,
      reportingInstance: this.options.reportingInstance,
      action: cut(input.action, 128), reason: cut(input.reason, 128), type: input.type, note: cut(input.note, 1024),
      regarding: { apiVersion: regarding.apiVersion, kind: regarding.kind, name: meta.name, namespace: meta.namespace, uid: meta.uid, resourceVersion: meta.resourceVersion },
    };
    const entry: Entry = { name, namespace, type: input.type, count: 1, written: 1, lastObserved: now, lastWrite: now, creating: Promise.resolve(false), timer: undefined };
    entry.creating = this.sink.create(event).then(() => {
      this.count(input.type, "created");
      return true;
    }, (err: unknown) => {
      this.count(input.type, "failed");
      this.logger.warn({ err, reason: input.reason }, "could not create Event");
      this.forget(key, entry); // the next occurrence tries again
      return false;
    });
    this.entries.set(key, entry);
    this.track(entry.creating);
    this.prune();
  }

  private scheduleSeries(entry: Entry): void {
    if (entry.timer) return;
    const wait = Math.max(0, entry.lastWrite + (this.options.seriesIntervalMs ?? 30_000) - this.clock.now());
    entry.timer = this.clock.setTimer(wait, () => {
      this.cancelTimer(entry);
      this.track(this.writeSeries(entry));
    });
    this.options.metrics?.eventsPendingSeries.inc();
  }

  private cancelTimer(entry: Entry): void {
    if (!entry.timer) return;
    entry.timer.cancel();
    entry.timer = undefined;
    this.options.metrics?.eventsPendingSeries.dec();
  }

  private async writeSeries(entry: Entry): Promise<void> {
    if (!(await entry.creating) || entry.count === entry.written) return;
    const count = entry.count;
    entry.lastWrite = this.clock.now();
    try {
      await this.sink.updateSeries(entry.namespace, entry.name, { count, lastObservedTime: microTime(entry.lastObserved) });
      entry.written = count;
      this.count(entry.type, "series");
    } catch (err) {
      this.count(entry.type, "failed");
      this.logger.warn({ err }, "could not update Event series");
    }
  }

  private bucketFor(objectId: string): TokenBucket {
    let bucket = this.buckets.get(objectId);
    if (!bucket) {
      bucket = new TokenBucket(1000 / (this.options.refillMs ?? 300_000), this.options.burst ?? 25, this.clock);
      this.buckets.set(objectId, bucket);
      if (this.buckets.size > (this.options.maxEntries ?? 4096)) {
        for (const oldest of this.buckets.keys()) { this.buckets.delete(oldest); break; }
      }
    }
    return bucket;
  }

  private prune(): void {
    const max = this.options.maxEntries ?? 4096;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= max) break;
      this.forget(key, entry);
    }
  }

  private forget(key: string, entry: Entry): void {
    this.cancelTimer(entry);
    if (this.entries.get(key) === entry) this.entries.delete(key);
  }

  private track(p: Promise<unknown>): void {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private count(type: EventType, outcome: "created" | "series" | "suppressed" | "failed"): void {
    this.options.metrics?.events.inc({ type, outcome });
  }
}

/** Sends Events to the API server through `client` (counted and rate limited like every write). */
export function apiEventSink(client: KubeClient): EventSink {
  const collection = (namespace: string) => `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
  return {
    async create(event) {
      await client.request("POST", collection(event.metadata.namespace), { body: event });
    },
    async updateSeries(namespace, name, series) {
      await client.request("PATCH", `${collection(namespace)}/${encodeURIComponent(name)}`, {
        body: { series }, contentType: "application/merge-patch+json",
      });
    },
  };
}
