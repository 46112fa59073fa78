// The controller engine: N workers take keys from a work queue and run the reconciler. The engine
// alone decides what happens after a reconcile, in one switch that also counts every result:
//   done          → forget the key's backoff
//   requeueAfter  → forget the backoff, add the key again after the delay
//   error         → rate-limited requeue (per-key exponential backoff + overall bucket)
//   terminal      → no retry; logged and counted
//   timeout       → like error; the time box aborted the reconcile's signal
// Reconcilers that throw (or return garbage) never take a worker down.
import type { KubernetesObject } from "@kubernetes/client-node";
import { systemClock, type Clock, type Timer } from "./clock.js";
import { TerminalError } from "./errors.js";
import type { Informer } from "./informer.js";
import { controllerOwner, objectKey, splitKey } from "./keys.js";
import { silentLogger, type Logger } from "./logger.js";
import type { OperatorMetrics } from "./metrics.js";
import { defaultControllerRateLimiter, type RateLimiter } from "./rate-limiter.js";
import type { Outcome, ReconcileContext, Reconciler } from "./reconcile.js";
import { WorkQueue } from "./workqueue.js";

export interface ControllerOptions {
  /** Label value in metrics and logs. */
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Keys reconciled at once (never the same key twice). @default 2 */
  readonly workers?: number;
  /** Time box of one reconcile. @default 60000 */
  readonly timeoutMs?: number;
  /** @default 5 ms doubling to 1000 s per key, 10/s burst 100 overall */
  readonly rateLimiter?: RateLimiter<string>;
}

export interface ControllerDeps {
  readonly metrics: OperatorMetrics;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

/** The kind a child's controller ownerReference must name for the child to map to its owner. */
export interface OwnerKind {
  readonly apiVersion: string;
  readonly kind: string;
}

type Result = Outcome | { kind: "error"; error: unknown } | { kind: "terminal"; error: unknown } | { kind: "timeout" };

const resultLabel = { done: "success", requeueAfter: "requeue_after", error: "error", terminal: "terminal_error", timeout: "timeout" } as const;

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly options: ControllerOptions;
  private readonly metrics: OperatorMetrics;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly inFlight = new Map<string, AbortController>();
  private readonly sources: (() => void)[] = [];
  private workers: Promise<void>[] = [];

  constructor(options: ControllerOptions, deps: ControllerDeps) {
    const workers = options.workers ?? 2;
    if (!(Number.isInteger(workers) && workers >= 1)) throw new RangeError(`controller ${options.name}: workers must be an integer >= 1, got ${workers}`);
    this.name = options.name;
    this.options = options;
    this.metrics = deps.metrics;
    this.clock = deps.clock ?? systemClock;
    this.logger = (deps.logger ?? silentLogger()).child({ controller: options.name });
    this.queue = new WorkQueue(this.clock, options.rateLimiter ?? defaultControllerRateLimiter(this.clock), deps.metrics.workQueue(options.name));
  }

  /** Queues `key` for a reconcile (coalesced with any pending one). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** The primary kind: every add/update/delete queues the object's own key. */
  watch<T extends KubernetesObject>(informer: Informer<T>, filter?: (obj: T, old?: T) => boolean): this {
    return this.watchMapped(informer, (obj, old) => (filter && !filter(obj, old) ? [] : [objectKey(obj)]));
  }

  /** A child kind: changes queue the key of the child's controller owner, if it is of `owner`'s kind. */
  owns<T extends KubernetesObject>(informer: Informer<T>, owner: OwnerKind): this {
    const ownerKey = (obj: T): string[] => {
      const ref = controllerOwner(obj);
      if (ref?.kind !== owner.kind || group(ref.apiVersion) !== group(owner.apiVersion)) return [];
      const ns = obj.metadata?.namespace;
      return [ns ? `${ns}/${ref.name}` : ref.name];
    };
    return this.watchMapped(informer, (obj, old) => [...ownerKey(obj), ...(old ? ownerKey(old) : [])]);
  }

  /** Any kind: `map` says which keys a change concerns. */
  watchMapped<T extends KubernetesObject>(informer: Informer<T>, map: (obj: T, old?: T) => string[]): this {
    const enqueue = (obj: T, old?: T) => { for (const key of new Set(map(obj, old))) this.queue.add(key); };
    // Handlers are attached at start(), so a replica that becomes leader replays the whole cache.
    this.sources.push(() => { informer.addHandlers({ add: (o) => { enqueue(o); }, update: enqueue, delete: (o) => { enqueue(o); } }); });
    return this;
  }

  /** Attaches the sources and starts the workers. */
  start(): void {
    if (this.workers.length > 0) return;
    const n = this.options.workers ?? 2;
    this.metrics.maxConcurrentReconciles.set({ controller: this.name }, n);
    this.metrics.activeWorkers.set({ controller: this.name }, 0);
    this.sources.splice(0).forEach((attach) => { attach(); });
    this.workers = Array.from({ length: n }, () => this.work());
    this.logger.info({ workers: n }, "controller started");
  }

  /**
   * Stops taking keys and lets in-flight reconciles finish; those still running after
   * `deadlineMs` have their signal aborted. Resolves when the workers have returned, or at the
   * deadline.
   */
  async stop(deadlineMs = 30_000): Promise<void> {
    this.queue.shutDown();
    let timer: Timer | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = this.clock.setTimer(deadlineMs, () => {
        if (this.inFlight.size > 0) this.logger.warn({ keys: [...this.inFlight.keys()] }, "shutdown deadline passed, aborting reconciles");
        this.abortInFlight();
        resolve();
      });
    });
    await Promise.race([Promise.all(this.workers), deadline]);
    timer?.cancel();
  }

  /** Leadership lost: stop at once, aborting every in-flight reconcile. */
  abort(): void {
    this.queue.shutDown();
    this.abortInFlight();
  }

  private abortInFlight(): void {
    for (const controller of this.inFlight.values()) controller.abort();
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.process(key);
    }
  }

  private async process(key: string): Promise<void> {
    const abort = new AbortController();
    this.inFlight.set(key, abort);
    const { namespace, name } = splitKey(key);
    const ctx: ReconcileContext = {
      key, namespace, name, signal: abort.signal,
      logger: this.logger.child({ key }),
      retries: this.queue.numRequeues(key),
    };
    const started = this.clock.now();
    this.metrics.activeWorkers.inc({ controller: this.name });
    const run = this.invoke(key, ctx);
    let timer: Timer | undefined;
    const timedOut = new Promise<Result>((resolve) => {
      timer = this.clock.setTimer(this.options.timeoutMs ?? 60_000, () => { resolve({ kind: "timeout" }); });
    });
    const result = await Promise.race([run, timedOut]);
    timer?.cancel();
    this.metrics.activeWorkers.dec({ controller: this.name });
    this.metrics.reconcileTime.observe({ controller: this.name }, (this.clock.now() - started) / 1000);
    this.handle(key, result, ctx.logger);
    const finish = () => {
      this.inFlight.delete(key);
      this.queue.done(key);
    };
    if (result.kind !== "timeout") { finish(); return; }
    // The key stays "in process" until the abandoned run settles, so it is never reconciled twice
    // at once; the worker moves on to other keys.
    abort.abort();
    void run.then(finish);
  }

  /** Runs the reconciler; never rejects. */
  private async invoke(key: string, ctx: ReconcileContext): Promise<Result> {
    try {
      const outcome: unknown = await this.options.reconcile(key, ctx);
      if (isOutcome(outcome)) return outcome;
      return { kind: "error", error: new Error(`reconciler returned ${JSON.stringify(outcome)}, not an Outcome`) };
    } catch (error) {
      return error instanceof TerminalError ? { kind: "terminal", error } : { kind: "error", error };
    }
  }

  /** The one place that decides what follows a reconcile, and counts it. */
  private handle(key: string, result: Result, logger: Logger): void {
    this.metrics.reconcileTotal.inc({ controller: this.name, result: resultLabel[result.kind] });
    switch (result.kind) {
      case "done":
        this.queue.forget(key);
        break;
      case "requeueAfter":
        this.queue.forget(key);
        this.queue.addAfter(key, result.ms);
        break;
      case "error":
        this.metrics.reconcileErrors.inc({ controller: this.name });
        logger.warn({ err: result.error, retries: this.queue.numRequeues(key) }, "reconcile failed, retrying");
        this.queue.addRateLimited(key);
        break;
      case "timeout":
        this.metrics.reconcileErrors.inc({ controller: this.name });
        logger.warn({ timeoutMs: this.options.timeoutMs ?? 60_000 }, "reconcile timed out, retrying");
        this.queue.addRateLimited(key);
        break;
      case "terminal":
        this.metrics.terminalErrors.inc({ controller: this.name });
        logger.error({ err: result.error }, "reconcile failed terminally, not retrying");
        this.queue.forget(key);
        break;
      default:
        return assertNever(result);
    }
  }
}

function isOutcome(value: unknown): value is Outcome {
  const v = value as { kind?: unknown; ms?: unknown } | null;
  return v?.kind === "done" || (v?.kind === "requeueAfter" && typeof v.ms === "number" && v.ms >= 0);
}

function group(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function assertNever(value: never): never {
  throw new Error(`unhandled reconcile result ${JSON.stringify(value)}`);
}
