// Every metric the controller runtime exports, on one prom-client registry per manager (so two
// managers in one process, as in tests, never collide). Names follow controller-runtime's, under
// a prefix (default "operator"):
//   <p>_reconcile_total{controller,result}        result: success|requeue_after|error|terminal_error|timeout
//   <p>_reconcile_errors_total{controller}         errors that were retried (thrown or timed out)
//   <p>_terminal_reconcile_errors_total{controller}
//   <p>_reconcile_time_seconds{controller}         histogram
//   <p>_active_workers{controller}, <p>_max_concurrent_reconciles{controller}
//   <p>_workqueue_depth{name}, _adds_total, _queue_duration_seconds, _work_duration_seconds, _retries_total
//   <p>_api_requests_total{verb,resource,code}     every request made (code "error" = no answer)
//   <p>_api_request_duration_seconds{verb,resource}
//   <p>_api_rate_limiter_wait_seconds              time writes waited for the client-side bucket
//   <p>_informer_synced{informer}, <p>_informer_restarts_total{informer,reason}
//   <p>_leader{lease}                              1 while this replica holds the lease
//   <p>_events_total{type,outcome}                 outcome: created|series|suppressed|failed
//   <p>_events_pending_series                      repeated Events whose count is not written yet
// plus prom-client's default process metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { WorkQueueMetrics } from "./workqueue.js";

export interface MetricsOptions {
  /** @default "operator" */
  readonly prefix?: string;
  /** @default a new Registry */
  readonly registry?: Registry;
  /** Process metrics (CPU, memory, event loop lag …). @default true */
  readonly defaultMetrics?: boolean;
}

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class OperatorMetrics {
  readonly registry: Registry;
  readonly reconcileTotal: Counter<"controller" | "result">;
  readonly reconcileErrors: Counter<"controller">;
  readonly terminalErrors: Counter<"controller">;
  readonly reconcileTime: Histogram<"controller">;
  readonly activeWorkers: Gauge<"controller">;
  readonly maxConcurrentReconciles: Gauge<"controller">;
  readonly apiRequests: Counter<"verb" | "resource" | "code">;
  readonly apiRequestDuration: Histogram<"verb" | "resource">;
  readonly apiRateLimiterWait: Histogram;
  readonly informerSynced: Gauge<"informer">;
  readonly informerRestarts: Counter<"informer" | "reason">;
  readonly leader: Gauge<"lease">;
  readonly events: Counter<"type" | "outcome">;
  readonly eventsPendingSeries: Gauge;
  private readonly queueDepth: Gauge<"name">;
  private readonly queueAdds: Counter<"name">;
  private readonly queueLatency: Histogram<"name">;
  private readonly queueWork: Histogram<"name">;
  private readonly queueRetries: Counter<"name">;

  constructor(options: MetricsOptions = {}) {
    const { prefix = "operator", registry = new Registry(), defaultMetrics = true } = options;
    this.registry = registry;
    if (defaultMetrics) collectDefaultMetrics({ register: registry });
    const registers = [registry];
    const p = (name: string) => `${prefix}_${name}`;
    this.reconcileTotal = new Counter({ name: p("reconcile_total"), help: "Reconciles by controller and result.", labelNames: ["controller", "result"], registers });
    this.reconcileErrors = new Counter({ name: p("reconcile_errors_total"), help: "Reconciles that failed and were retried.", labelNames: ["controller"], registers });
    this.terminalErrors = new Counter({ name: p("terminal_reconcile_errors_total"), help: "Reconciles that failed with a terminal error (not retried).", labelNames: ["controller"], registers });
    this.reconcileTime = new Histogram({ name: p("reconcile_time_seconds"), help: "Duration of reconciles.", labelNames: ["controller"], buckets: durationBuckets, registers });
    this.activeWorkers = new Gauge({ name: p("active_workers"), help: "Workers currently reconciling.", labelNames: ["controller"], registers });
    this.maxConcurrentReconciles = new Gauge({ name: p("max_concurrent_reconciles"), help: "Workers per controller.", labelNames: ["controller"], registers });
    this.queueDepth = new Gauge({ name: p("workqueue_depth"), help: "Keys waiting in the work queue.", labelNames: ["name"], registers });
    this.queueAdds = new Counter({ name: p("workqueue_adds_total"), help: "Keys added to the work queue (after coalescing).", labelNames: ["name"], registers });
    this.queueLatency = new Histogram({ name: p("workqueue_queue_duration_seconds"), help: "Time a key waits in the queue before it is processed.", labelNames: ["name"], buckets: durationBuckets, registers });
    this.queueWork = new Histogram({ name: p("workqueue_work_duration_seconds"), help: "Time a key is processed.", labelNames: ["name"], buckets: durationBuckets, registers });
    this.queueRetries = new Counter({ name: p("workqueue_retries_total"), help: "Rate-limited re-adds.", labelNames: ["name"], registers });
    this.apiRequests = new Counter({ name: p("api_requests_total"), help: "Requests to the Kubernetes API by verb, resource and HTTP code.", labelNames: ["verb", "resource", "code"], registers });
    this.apiRequestDuration = new Histogram({ name: p("api_request_duration_seconds"), help: "Latency of Kubernetes API requests (watches excluded).", labelNames: ["verb", "resource"], buckets: durationBuckets, registers });
    this.apiRateLimiterWait = new Histogram({ name: p("api_rate_limiter_wait_seconds"), help: "Time writes waited for the client-side rate limiter.", buckets: durationBuckets, registers });
    this.informerSynced = new Gauge({ name: p("informer_synced"), help: "1 once an informer has listed its objects.", labelNames: ["informer"], registers });
    this.informerRestarts = new Counter({ name: p("informer_restarts_total"), help: "Watch restarts by reason (closed, error, gone).", labelNames: ["informer", "reason"], registers });
    this.leader = new Gauge({ name: p("leader"), help: "1 while this replica holds the lease.", labelNames: ["lease"], registers });
    this.events = new Counter({ name: p("events_total"), help: "Kubernetes Events recorded, by type and what was done.", labelNames: ["type", "outcome"], registers });
    this.eventsPendingSeries = new Gauge({ name: p("events_pending_series"), help: "Repeated Events whose count waits to be written (at most one write per Event per interval).", registers });
  }

  /** The work-queue metrics of the queue called `name`. */
  workQueue(name: string): WorkQueueMetrics {
    return {
      depth: (n) => { this.queueDepth.set({ name }, n); },
      added: () => { this.queueAdds.inc({ name }); },
      queued: (s) => { this.queueLatency.observe({ name }, s); },
      worked: (s) => { this.queueWork.observe({ name }, s); },
      retried: () => { this.queueRetries.inc({ name }); },
    };
  }
}
