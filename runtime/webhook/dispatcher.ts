// The webhook dispatcher: keeps the endpoint list current (operator subscriptions + the settings
// row), delivers new outbox events on the fast path while no endpoint is failing (FastLane: no
// delivery rows), else fans them out into deliveries, runs one EndpointRunner per endpoint, and
// sweeps finished events away. Woken by NOTIFY (waba_outbox, waba_settings), and polls as well,
// so a lost notification or a database restart costs latency, never an event.
import type pg from "pg";
import type { Registry } from "prom-client";
import type { WebhookSubscription } from "../config/env.js";
import type { Sealer } from "../crypto/at-rest.js";
import type { Logger } from "../observability/logger.js";
import { defaultBackoff, type RetryPolicy } from "./backoff.js";
import { coalesced, type Coalesced } from "./coalesce.js";
import { applicationEndpoint, operatorEndpoints, sameEndpoint, subscriptionPairs, type Endpoint } from "./endpoints.js";
import { EndpointRunner, type RunnerContext } from "./endpoint-runner.js";
import { FastLane } from "./fast-lane.js";
import { listen, type Listener } from "./listener.js";
import { webhookMetrics, type WebhookMetrics } from "./metrics.js";
import { deleteFinished, expireStale, fanOut, outboxChannel } from "./outbox.js";
import type { CloudIdentity } from "./payload.js";
import { WebhookSender } from "./sender.js";
import { readDispatchSettings, settingsChannel, type DispatchSettings } from "./settings.js";

export interface DispatcherOptions {
  readonly db: pg.Pool;
  readonly sealer: Sealer;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly identity: CloudIdentity;
  readonly subscriptions: readonly WebhookSubscription[];
  /** Where the subscriptions' secrets are (the process environment). */
  readonly env: NodeJS.ProcessEnv;
  readonly batchSize: number;
  readonly timeoutMs: number;
  /** 0: no limit. */
  readonly maxAttempts: number;
  readonly maxAgeMs: number;
  /** Polling fallback for new events and due retries. */
  readonly pollMs?: number;
  readonly settingsPollMs?: number;
  readonly sweepMs?: number;
  /** Events per fan-out transaction. */
  readonly fanOutBatch?: number;
}

const sweepBatch = 1000;

export class Dispatcher {
  readonly metrics: WebhookMetrics;
  private readonly sender: WebhookSender;
  private readonly runners = new Map<string, EndpointRunner>();
  private readonly fastLane: FastLane;
  /** Runners of removed endpoints, finishing their POSTs. */
  private readonly retiring = new Set<Promise<void>>();
  private settings: DispatchSettings | undefined;
  private readonly context: RunnerContext;
  private readonly reload: Coalesced;
  private readonly fanOutJob: Coalesced;
  private readonly sweep: Coalesced;
  private timers: NodeJS.Timeout[] = [];
  private listener: Listener | undefined;

  constructor(private readonly options: DispatcherOptions) {
    const { db, logger } = options;
    this.metrics = webhookMetrics(options.registry, db);
    this.sender = new WebhookSender(options.timeoutMs);
    this.context = {
      db, logger, sender: this.sender, sealer: options.sealer, metrics: this.metrics, identity: options.identity,
      batchSize: options.batchSize,
      // A POST takes at most timeoutMs; the rest is room to record its outcome.
      leaseMs: options.timeoutMs + 5000,
      retryPolicy: () => this.retryPolicy(),
    };
    const warn = (what: string) => (err: unknown) => { logger.warn({ err: (err as Error).message }, what); };
    this.reload = coalesced(() => this.reloadEndpoints(), warn("webhook endpoints not reloaded; keeping the current ones"));
    this.fanOutJob = coalesced(() => this.fanOutAll(), warn("webhook fan-out failed; retrying"));
    this.sweep = coalesced(() => this.sweepFinished(), warn("webhook outbox sweep failed; retrying"));
    this.fastLane = new FastLane(this.context, () => (this.noneFailing() ? this.endpoints : []), (id) => {
      this.runners.get(id)?.noteFailure();
      this.fanOutJob.trigger();
    });
  }

  /** The endpoints currently delivered to. */
  get endpoints(): Endpoint[] {
    return [...this.runners.values()].map((r) => r.endpoint);
  }

  start(): void {
    const { pollMs = 1000, settingsPollMs = 5000, sweepMs = 30_000 } = this.options;
    this.listener = listen(this.options.db, [outboxChannel, settingsChannel], {
      notify: (channel) => { if (channel === outboxChannel) this.fanOutJob.trigger(); else this.reload.trigger(); },
      // (Re)connected: notifications may have been missed meanwhile.
      connected: () => { this.reload.trigger(); this.poll(); },
    }, this.options.logger);
    this.reload.trigger();
    this.sweep.trigger();
    this.timers = [
      setInterval(() => { this.poll(); }, pollMs),
      setInterval(() => { this.reload.trigger(); }, settingsPollMs),
      setInterval(() => { this.sweep.trigger(); }, sweepMs),
    ];
  }

  /** Graceful: stops claiming, lets POSTs under way finish and record their outcome. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    await this.listener?.close();
    await Promise.all([this.reload.idle(), this.fanOutJob.idle(), this.sweep.idle()]);
    await Promise.all([this.fastLane.stop(), ...[...this.runners.values()].map((r) => r.stop()), ...this.retiring]);
    this.runners.clear();
    await this.sender.close();
  }

  private poll(): void {
    this.fastLane.lookBehind();
    this.fanOutJob.trigger();
    for (const runner of this.runners.values()) runner.wake();
  }

  private retryPolicy(): RetryPolicy {
    const backoff = this.settings?.backoff ?? defaultBackoff;
    return { ...backoff, maxAttempts: this.options.maxAttempts, maxAgeMs: this.options.maxAgeMs };
  }

  private async reloadEndpoints(): Promise<void> {
    const settings = await readDispatchSettings(this.options.db);
    const app = applicationEndpoint(settings, (sealed) => this.options.sealer.open(sealed));
    const wanted = [...operatorEndpoints(this.options.subscriptions, this.options.env, settings.maxConcurrentRequests), ...(app ? [app] : [])];
    const first = this.settings === undefined;
    this.settings = settings;
    for (const endpoint of wanted) {
      const runner = this.runners.get(endpoint.id);
      if (!runner) {
        const created = new EndpointRunner(this.context, endpoint);
        this.runners.set(endpoint.id, created);
        created.wake();
        this.options.logger.info({ endpoint: endpoint.id, origin: endpoint.url.origin, format: endpoint.format }, "webhook endpoint added");
      } else if (!sameEndpoint(runner.endpoint, endpoint)) {
        runner.update(endpoint);
        this.options.logger.info({ endpoint: endpoint.id, origin: endpoint.url.origin, format: endpoint.format }, "webhook endpoint changed");
      }
    }
    for (const [id, runner] of this.runners) {
      if (wanted.some((e) => e.id === id)) continue;
      // Its pending deliveries stay: they go out if it comes back, or expire at the maximum age.
      this.runners.delete(id);
      const retired = runner.stop().finally(() => this.retiring.delete(retired));
      this.retiring.add(retired);
      this.options.logger.info({ endpoint: id }, "webhook endpoint removed");
    }
    if (first) this.fanOutJob.trigger();
  }

  /** No endpoint is failing: new events can take the fast path. */
  private noneFailing(): boolean {
    return this.runners.size > 0 && [...this.runners.values()].every((r) => !r.failing);
  }

  private async fanOutAll(): Promise<void> {
    // Until the endpoints are known, and while there are none, events wait in the outbox.
    if (!this.settings || this.runners.size === 0) return;
    if (this.noneFailing()) {
      this.fastLane.wake();
      return;
    }
    const pairs = subscriptionPairs(this.endpoints);
    const limit = this.options.fanOutBatch ?? 500;
    for (;;) {
      const result = await fanOut(this.options.db, pairs, limit);
      this.metrics.fannedOut.inc(result.events);
      for (const id of result.endpoints) this.runners.get(id)?.wake();
      if (result.rows < limit) return;
    }
  }

  private async sweepFinished(): Promise<void> {
    const { db, maxAgeMs } = this.options;
    for (;;) {
      const expired = await expireStale(db, maxAgeMs, sweepBatch);
      for (const [endpoint, n] of expired) this.metrics.deliveries.inc({ endpoint, result: "dead" }, n);
      if ([...expired.values()].reduce((a, b) => a + b, 0) < sweepBatch) break;
    }
    // Dead letters are kept as long again as an event may live.
    while ((await deleteFinished(db, maxAgeMs, maxAgeMs, sweepBatch)) === sweepBatch) { /* next batch */ }
  }
}
