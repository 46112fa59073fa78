// An informer: list, then watch from the list's resourceVersion, keeping a cache and calling
// handlers on add/update/delete.
//
// Written on client-node's Watch rather than wrapping makeInformer, because makeInformer (1.4)
// stops for good after any error, asks for no bookmarks, relists with no backoff, has no sync
// state and no owner index. Here one loop owns the whole life cycle:
//   - watches ask for bookmarks, so a restart resumes from a recent resourceVersion without a relist;
//   - a watch that ends (server timeout, connection closed) is restarted from the last resourceVersion;
//   - 410 Gone (the version was compacted away) relists and replaces the cache, emitting the differences;
//   - any failure (API server down, refused, 5xx) retries with exponential backoff and jitter, forever,
//     so the process survives an API server outage without a restart;
//   - a watchdog aborts a watch that has been silent for longer than its own timeout.
import { Watch, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { ObjectCache, type ObjectStore } from "./cache.js";
import type { KubeClient } from "./client.js";
import { sleep, systemClock, type Clock, type Timer } from "./clock.js";
import { isGone } from "./errors.js";
import { silentLogger, type Logger } from "./logger.js";
import type { OperatorMetrics } from "./metrics.js";
import { describeRequest } from "./request-description.js";

export interface InformerOptions {
  /**
   * Collection path: "/api/v1/configmaps" (all namespaces), "/api/v1/namespaces/acme/configmaps",
   * "/apis/example.com/v1alpha1/widgets" …
   */
  readonly path: string;
  /** Only objects matching it are listed, watched and cached (cache only what you manage). */
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  /** Name for logs and metrics. @default path */
  readonly name?: string;
  /** Objects per list page. @default 500 */
  readonly pageSize?: number;
  /** Retry delays after failures. @default { initialMs: 500, maxMs: 15000, jitter: 0.5 } */
  readonly backoff?: BackoffOptions;
  /** Server-side watch timeout; each watch picks a random value in [t, 2t). @default 300 */
  readonly watchTimeoutSeconds?: number;
}

export interface InformerDeps {
  readonly client: KubeClient;
  readonly metrics: OperatorMetrics;
  readonly logger?: Logger;
  readonly clock?: Clock;
}

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

/** Thrown inside the loop when the watch was closed with an ERROR event. */
class WatchStatusError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

export class Informer<T extends KubernetesObject = KubernetesObject> implements ObjectStore<T> {
  readonly name: string;
  private readonly cache = new ObjectCache<T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private readonly client: KubeClient;
  private readonly metrics: OperatorMetrics;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly resourceLabel: string;
  private resourceVersion = "";
  private synced = false;
  private syncWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private readonly stopper = new AbortController();
  private currentWatch: AbortController | undefined;

  constructor(private readonly options: InformerOptions, deps: InformerDeps) {
    if (!options.path.startsWith("/api")) throw new Error(`informer path must start with /api or /apis, got ${options.path}`);
    this.name = options.name ?? options.path;
    this.client = deps.client;
    this.metrics = deps.metrics;
    this.clock = deps.clock ?? systemClock;
    this.logger = (deps.logger ?? silentLogger()).child({ informer: this.name });
    this.resourceLabel = describeRequest("GET", options.path).resource;
  }

  /** Registers handlers; objects already cached are replayed as adds, so late handlers miss nothing. */
  addHandlers(handlers: InformerHandlers<T>): void {
    this.handlers.push(handlers);
    for (const obj of this.cache.list()) this.call(handlers, "add", obj);
  }

  get(namespace: string, name: string): T | undefined { return this.cache.get(namespace, name); }
  list(namespace?: string): T[] { return this.cache.list(namespace); }
  byOwner(ownerUid: string): T[] { return this.cache.byOwner(ownerUid); }
  get size(): number { return this.cache.size; }

  /** True once the first list has been cached (it stays true through later relists). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves when synced; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => { reject(new Error(`informer ${this.name} did not sync`)); };
      if (signal?.aborted) { onAbort(); return; }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.syncWaiters.push(() => { signal?.removeEventListener("abort", onAbort); resolve(); });
    });
  }

  /** Starts listing and watching in the background. Idempotent. */
  start(): void {
    this.running ??= this.run();
  }

  /** Stops the watch and the retry loop. */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.currentWatch?.abort();
    await this.running;
  }

  private stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff({ initialMs: 500, maxMs: 15_000, jitter: 0.5, ...this.options.backoff });
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      try {
        if (!this.resourceVersion) await this.relist();
        const healthy = await this.watch();
        if (healthy) backoff.reset();
        this.metrics.informerRestarts.inc({ informer: this.name, reason: "closed" });
        if (!healthy) await sleep(this.clock, backoff.next(), signal);
      } catch (err) {
        if (this.stopping()) break;
        const gone = isGone(err);
        if (gone) this.resourceVersion = "";
        this.metrics.informerRestarts.inc({ informer: this.name, reason: gone ? "gone" : "error" });
        const delay = gone ? 0 : backoff.next();
        this.logger.warn({ err, retryInMs: Math.round(delay) }, gone ? "watch expired, relisting" : "list/watch failed, retrying");
        await sleep(this.clock, delay, signal);
      }
    }
  }

  /** Lists every page, replaces the cache with the result and emits the differences. */
  private async relist(): Promise<void> {
    const items: T[] = [];
    let cont: string | undefined;
    let list: KubernetesListObject<T>;
    do {
      list = await this.client.request<KubernetesListObject<T>>("GET", this.options.path, {
        query: { labelSelector: this.options.labelSelector, fieldSelector: this.options.fieldSelector, limit: this.options.pageSize ?? 500, continue: cont },
      });
      // List items carry no apiVersion/kind; fill them in so cached objects look like watched ones.
      const kind = list.kind?.replace(/List$/, "");
      // A metadata-only list (PartialObjectMetadataList) of nothing has "items": null.
      for (const item of (list.items as T[] | null) ?? []) items.push({ apiVersion: list.apiVersion, kind, ...item });
      // The JSON field is `continue` (client-node's model renames it to _continue).
      cont = (list.metadata as { continue?: string } | undefined)?.continue;
    } while (cont);
    const diff = this.cache.replace(items);
    this.resourceVersion = list.metadata?.resourceVersion ?? "";
    for (const obj of diff.added) this.emit("add", obj);
    for (const { object, old } of diff.updated) this.emit("update", object, old);
    for (const obj of diff.deleted) this.emit("delete", obj);
    if (!this.synced) {
      this.synced = true;
      this.metrics.informerSynced.set({ informer: this.name }, 1);
      this.syncWaiters.splice(0).forEach((fn) => { fn(); });
      this.logger.info({ objects: this.cache.size }, "informer synced");
    }
  }

  /**
   * One watch from the current resourceVersion. Resolves when the watch ends normally, with
   * whether it was healthy (it delivered something); rejects when it failed.
   */
  private async watch(): Promise<boolean> {
    const timeoutSeconds = Math.floor((this.options.watchTimeoutSeconds ?? 300) * (1 + Math.random()));
    // Bookmarks arrive about once a minute and the server ends the watch at timeoutSeconds:
    // silence well past that means a dead connection.
    const silenceMs = (timeoutSeconds + 30) * 1000;
    let received = 0;
    let failure: unknown;
    let watchdog: Timer | undefined;
    const abort = (reason: unknown) => {
      failure ??= reason;
      this.currentWatch?.abort();
    };
    const armWatchdog = () => {
      watchdog?.cancel();
      watchdog = this.clock.setTimer(silenceMs, () => { abort(new Error(`watch silent for ${silenceMs / 1000}s`)); });
    };
    const onEvent = (type: string, obj: T) => {
      received++;
      armWatchdog();
      if (type !== "ERROR") { this.apply(type, obj); return; }
      const status = obj as { code?: number; message?: string };
      abort(new WatchStatusError(status.code ?? 500, status.message ?? "watch error"));
    };
    armWatchdog();
    try {
      const ended = new Promise<unknown>((resolve) => {
        void new Watch(this.client.kubeConfig).watch(this.options.path, {
          resourceVersion: this.resourceVersion,
          allowWatchBookmarks: true,
          timeoutSeconds,
          labelSelector: this.options.labelSelector,
          fieldSelector: this.options.fieldSelector,
        }, onEvent, resolve).then((controller) => {
          this.currentWatch = controller;
          if (this.stopper.signal.aborted) controller.abort();
        }, resolve);
      });
      const err = await ended;
      if (!this.stopper.signal.aborted) failure ??= err ?? undefined;
    } finally {
      watchdog?.cancel();
      this.currentWatch = undefined;
    }
    const code = (failure as { statusCode?: unknown } | undefined)?.statusCode;
    this.client.countWatch(this.resourceLabel, typeof code === "number" ? code : failure && received === 0 ? "error" : 200);
    if (failure) throw failure instanceof Error ? failure : new Error(`watch failed: ${JSON.stringify(failure)}`);
    return received > 0;
  }

  private apply(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    switch (type) {
      case "ADDED":
      case "MODIFIED": {
        const old = this.cache.upsert(obj);
        if (!old) this.emit("add", obj);
        else if (old.metadata?.resourceVersion !== rv) this.emit("update", obj, old);
        break;
      }
      case "DELETED": {
        const old = this.cache.remove(obj);
        if (old) this.emit("delete", obj);
        break;
      }
      case "BOOKMARK":
        break;
      default:
        return;
    }
    if (rv) this.resourceVersion = rv;
  }

  private emit(event: "add" | "delete", obj: T): void;
  private emit(event: "update", obj: T, old: T): void;
  private emit(event: keyof InformerHandlers<T>, obj: T, old?: T): void {
    for (const h of this.handlers) this.call(h, event, obj, old);
  }

  private call(h: InformerHandlers<T>, event: keyof InformerHandlers<T>, obj: T, old?: T): void {
    try {
      if (event === "update") h.update?.(obj, old ?? obj);
      else h[event]?.(obj);
    } catch (err) {
      this.logger.error({ err, event }, "informer handler threw");
    }
  }
}
