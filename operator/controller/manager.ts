// The manager wires the runtime together for one operator process:
//   informers (all replicas, so followers are warm and /readyz means "synced"),
//   leader election (only the leader runs controllers),
//   controllers, the HTTP endpoints, Events, and graceful shutdown.
//
// Losing the lease: every controller is aborted at once (queues shut, in-flight reconciles'
// signals fired) and then onLeadershipLost runs, by default exiting the process with code 1 so
// Kubernetes restarts it clean as a follower (controller-runtime does the same). Restarting
// controllers inside a process whose caches and queues belonged to a former leader is not worth
// the risk of two leaders.
//
// SIGTERM/SIGINT (or stop()): controllers stop taking keys and in-flight reconciles get
// shutdownTimeoutMs to finish (the lease is still renewed meanwhile, so no one else starts),
// then the lease is released so a follower takes over at once, watches close, Events flush,
// the HTTP server closes, and the process exits 0.
import { KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { Applier } from "./apply.js";
import { KubeClient } from "./client.js";
import { sleep, systemClock, type Clock } from "./clock.js";
import { Controller, type ControllerOptions } from "./controller.js";
import { EventRecorder, apiEventSink } from "./events.js";
import { startHealthServer, type HealthServer } from "./health-server.js";
import { Informer, type InformerOptions } from "./informer.js";
import { LeaderElector } from "./leader-election.js";
import { createLogger, type Logger } from "./logger.js";
import { OperatorMetrics } from "./metrics.js";

export interface ManagerOptions {
  /** The operator's name: field manager, Lease name, Events' reportingController (e.g. "waba-operator"). */
  readonly name: string;
  /** @default loaded from KUBECONFIG / in-cluster */
  readonly kubeConfig?: KubeConfig;
  /** This replica (pod name). @default HOSTNAME or a random id */
  readonly identity?: string;
  /** Leader election on Lease `name` in `namespace`; false runs controllers at once (one replica only). */
  readonly leaderElection?: false | {
    readonly namespace: string;
    /** @default the manager's name */
    readonly leaseName?: string;
    /** @default 15000 */ readonly leaseDurationMs?: number;
    /** @default 10000 */ readonly renewDeadlineMs?: number;
    /** @default 2000 */ readonly retryPeriodMs?: number;
  };
  /** /healthz, /readyz, /metrics; false for none. @default { port: 8080 } */
  readonly http?: false | { readonly port: number; readonly host?: string };
  /** @default "operator" */
  readonly metricsPrefix?: string;
  /** Client-side write limit. @default 20 qps, burst 30 */
  readonly writeQps?: number;
  readonly writeBurst?: number;
  /** Time in-flight reconciles get on shutdown. @default 30000 */
  readonly shutdownTimeoutMs?: number;
  /** @default a pino logger on stdout */
  readonly logger?: Logger;
  /** Runs after leadership was lost and controllers were aborted. @default process.exit(1) */
  readonly onLeadershipLost?: () => void;
  /** Stop gracefully and exit 0 on SIGTERM/SIGINT. @default true */
  readonly handleSignals?: boolean;
  readonly clock?: Clock;
}

export class Manager {
  readonly client: KubeClient;
  readonly metrics: OperatorMetrics;
  readonly logger: Logger;
  /** Server-side apply under the field manager `name`. */
  readonly applier: Applier;
  readonly events: EventRecorder;
  readonly elector: LeaderElector | undefined;
  private readonly informers: Informer[] = [];
  private readonly controllers: Controller[] = [];
  private readonly clock: Clock;
  private readonly leaseClient: KubeClient;
  private readonly stopper = new AbortController();
  private http: HealthServer | undefined;
  private started = false;
  private stopping: Promise<void> | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.logger.info({ signal }, "shutting down");
    void this.stop().then(() => process.exit(0), (err: unknown) => {
      this.logger.error({ err }, "shutdown failed");
      process.exit(1);
    });
  };

  constructor(private readonly options: ManagerOptions) {
    const kubeConfig = options.kubeConfig ?? defaultKubeConfig();
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? createLogger({ name: options.name });
    this.metrics = new OperatorMetrics({ prefix: options.metricsPrefix ?? "operator" });
    this.client = new KubeClient({ kubeConfig, metrics: this.metrics, clock: this.clock, writeQps: options.writeQps, writeBurst: options.writeBurst });
    this.applier = new Applier(this.client, options.name);
    const le = options.leaderElection;
    // The elector gets a client of its own (same counters, own write bucket): renewals must never
    // queue behind a burst of reconcile writes, or a busy leader would lose its Lease.
    this.leaseClient = new KubeClient({ kubeConfig, metrics: this.metrics, clock: this.clock });
    this.elector = le === false || le === undefined ? undefined : new LeaderElector(this.leaseClient, {
      namespace: le.namespace,
      name: le.leaseName ?? options.name,
      identity: options.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      onStartedLeading: () => { void this.startControllers(); },
      onStoppedLeading: () => { this.leadershipLost(); },
    }, { clock: this.clock, logger: this.logger, metrics: this.metrics });
    this.events = new EventRecorder(apiEventSink(this.client), {
      reportingController: options.name,
      reportingInstance: this.elector?.identity ?? options.identity ?? process.env.HOSTNAME ?? options.name,
      clock: this.clock, logger: this.logger, metrics: this.metrics,
    });
  }

  /** An informer started with the manager (or at once, if the manager runs already). */
  informer<T extends KubernetesObject>(options: InformerOptions): Informer<T> {
    const informer = new Informer<T>(options, { client: this.client, metrics: this.metrics, logger: this.logger, clock: this.clock });
    this.informers.push(informer);
    if (this.started) informer.start();
    return informer;
  }

  /** A controller, run while this replica leads. Attach its sources (watch/owns) before start(). */
  controller(options: ControllerOptions): Controller {
    const controller = new Controller(options, { metrics: this.metrics, logger: this.logger, clock: this.clock });
    this.controllers.push(controller);
    return controller;
  }

  /** Every informer has listed its objects. */
  ready(): boolean {
    return this.informers.every((i) => i.hasSynced());
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : this.started;
  }

  /** Port of the HTTP server (useful with port 0). */
  get httpPort(): number | undefined {
    return this.http?.port;
  }

  /** Starts the HTTP server, informers and the campaign (or the controllers, without election). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    if (this.options.http !== false) {
      const http = this.options.http ?? { port: 8080 };
      this.http = await startHealthServer({ port: http.port, host: http.host, registry: this.metrics.registry, ready: () => this.ready() });
    }
    if (this.options.handleSignals !== false) {
      process.once("SIGTERM", this.onSignal);
      process.once("SIGINT", this.onSignal);
    }
    for (const informer of this.informers) informer.start();
    if (this.elector) this.elector.start();
    else void this.startControllers();
    this.logger.info({ identity: this.elector?.identity, http: this.http?.port }, "manager started");
  }

  /** Graceful shutdown, in the order described at the top of this file. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.stopper.abort();
    process.off("SIGTERM", this.onSignal);
    process.off("SIGINT", this.onSignal);
    await Promise.all(this.controllers.map((c) => c.stop(this.options.shutdownTimeoutMs ?? 30_000)));
    await this.elector?.stop({ release: true });
    await Promise.all(this.informers.map((i) => i.stop()));
    await Promise.race([this.events.flush(), sleep(this.clock, 5000)]);
    await this.http?.close();
    this.client.close();
    this.leaseClient.close();
    this.logger.info("manager stopped");
  }

  private async startControllers(): Promise<void> {
    try {
      await Promise.all(this.informers.map((i) => i.waitForSync(this.stopper.signal)));
    } catch {
      return; // stopping before the caches synced
    }
    if (this.stopper.signal.aborted || (this.elector && !this.elector.isLeader())) return;
    for (const controller of this.controllers) controller.start();
  }

  private leadershipLost(): void {
    for (const controller of this.controllers) controller.abort();
    this.logger.error("leadership lost: controllers stopped");
    (this.options.onLeadershipLost ?? (() => process.exit(1)))();
  }
}

function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
