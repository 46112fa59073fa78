// Wires the WabaInstance controller into a Manager: the caches (sources.ts), the reconciler, and
// which changes queue which instance. A gauge of instances by phase is read from the cache at
// scrape time (no bookkeeping to get wrong).
import { Gauge } from "prom-client";
import { phases } from "../api/constants.js";
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import type { Controller, Manager } from "../controller/index.js";
import type { Credentials } from "../resources/credentials.js";
import { RecentWrites } from "./recent-writes.js";
import { instanceReconciler } from "./reconciler.js";
import { createCaches, instanceKeysOfChild, instanceKeysOfInstance, instanceKeysOfSecret, type Caches } from "./sources.js";

export interface WabaInstanceControllerOptions {
  /** Instances reconciled at once. @default 4 */
  readonly workers?: number;
  readonly now?: () => Date;
  readonly generate?: () => Credentials;
}

export interface WabaInstanceController {
  readonly caches: Caches;
  readonly controller: Controller;
  /** Every WabaInstance in the cache (for the admission webhook; served on followers too). */
  readonly instances: () => readonly WabaInstance[];
  /** Starts/stops what the manager does not: the user Secrets' metadata informer. */
  start(): void;
  stop(): Promise<void>;
}

export function wabaInstanceController(manager: Manager, config: OperatorConfig, options: WabaInstanceControllerOptions = {}): WabaInstanceController {
  const caches = createCaches(manager, config.watchNamespace);
  const recent = new RecentWrites();
  for (const informer of [caches.instances, ...caches.children.values()]) {
    informer.addHandlers({ add: (o) => { recent.observe(o); }, update: (o) => { recent.observe(o); }, delete: (o) => { recent.observe(o, true); } });
  }
  const reconcile = instanceReconciler({
    config, caches, recent, applier: manager.applier, client: manager.client, events: manager.events, now: options.now, generate: options.generate,
  });
  const controller = manager.controller({ name: "wabainstance", workers: options.workers ?? 4, reconcile });
  controller.watchMapped(caches.instances, (instance, old) => {
    const all = caches.instances.list();
    return [...instanceKeysOfInstance(instance, all), ...(old ? instanceKeysOfInstance(old, all) : [])];
  });
  for (const informer of caches.children.values()) {
    controller.watchMapped(informer, (child, old) => [...instanceKeysOfChild(child), ...(old ? instanceKeysOfChild(old) : [])]);
  }
  controller.watchMapped(caches.userSecrets, (secret) => instanceKeysOfSecret(secret, caches.instances.list(secret.metadata.namespace ?? "")));

  new Gauge({
    name: "operator_instances",
    help: "WabaInstances in the cache by status.phase (\"\" before the first status).",
    labelNames: ["phase"],
    registers: [manager.metrics.registry],
    collect() {
      const counts = new Map<string, number>([...phases, ""].map((p) => [p, 0]));
      for (const i of caches.instances.list()) counts.set(i.status?.phase ?? "", (counts.get(i.status?.phase ?? "") ?? 0) + 1);
      for (const [phase, n] of counts) this.set({ phase }, n);
    },
  });

  return {
    caches,
    controller,
    instances: () => caches.instances.list(),
    start: () => { caches.userSecrets.start(); },
    stop: () => caches.userSecrets.stop(),
  };
}
