// Applying an instance's children: each desired child that differs from its cached live form
// (drift.ts) is server-side applied; one that does not is left alone, so a converged instance
// costs no request. The migrate Job is create-only (its pod template is immutable). Children that
// must not exist, and superseded migrate Jobs, are deleted. A failure does not stop the others:
// independent children still converge, and every failure is reported at the end.
import type {
  KubernetesObject, V1Deployment, V1Job, V1PersistentVolumeClaim, V1PodDisruptionBudget, V1Secret, V1Service, V1StatefulSet,
} from "@kubernetes/client-node";
import { describeError, isNotFound, statusOf, type Applier, type KubeClient, type Logger, type ObjectStore } from "../controller/index.js";
import type { DesiredChildren } from "../resources/desired.js";
import type { NetworkPolicy } from "../resources/network-policies.js";
import { desiredHashAnnotation, driftOf, withDesiredHash, type UnkeptFields } from "./drift.js";
import { objectId, type RecentWrites } from "./recent-writes.js";

/** The type of each kind of child, as cached. */
export interface ChildTypes {
  Secret: V1Secret;
  Service: V1Service;
  PersistentVolumeClaim: V1PersistentVolumeClaim;
  Deployment: V1Deployment;
  StatefulSet: V1StatefulSet;
  Job: V1Job;
  NetworkPolicy: NetworkPolicy;
  PodDisruptionBudget: V1PodDisruptionBudget;
}

export interface ChildAction {
  readonly verb: "created" | "updated" | "repaired" | "deleted";
  readonly kind: string;
  readonly name: string;
  /** For "repaired": the first field that differed. */
  readonly path?: string;
}

export interface ApplyReport {
  readonly actions: readonly ChildAction[];
  /** One safe sentence per child that could not be written. */
  readonly failures: readonly string[];
}

/**
 * The children as the operator knows them: the informer caches, corrected by its own writes the
 * caches have not shown yet (recent-writes.ts). Status is computed from this view, so it reflects
 * a reconcile's writes at once.
 */
export class LiveView {
  constructor(private readonly caches: ReadonlyMap<string, ObjectStore<KubernetesObject>>, private readonly recent: RecentWrites) {}

  get<K extends keyof ChildTypes>(kind: K, namespace: string, name: string): ChildTypes[K] | undefined {
    return this.find(kind, namespace, name) as ChildTypes[K] | undefined;
  }

  find(kind: string, namespace: string, name: string): KubernetesObject | undefined {
    return this.recent.resolve(objectId(kind, namespace, name), this.caches.get(kind)?.get(namespace, name));
  }

  /** Cached objects of a kind with `labels`, in a namespace (e.g. an instance's Jobs). */
  list<K extends keyof ChildTypes>(kind: K, namespace: string, labels: Readonly<Record<string, string>>): ChildTypes[K][] {
    const matches = (o: KubernetesObject) => Object.entries(labels).every(([k, v]) => o.metadata?.labels?.[k] === v);
    const cached = this.caches.get(kind)?.list(namespace).filter(matches) ?? [];
    const known = cached.map((o) => this.recent.resolve(objectId(kind, namespace, o.metadata?.name ?? ""), o));
    return known.filter((o) => o !== undefined) as ChildTypes[K][];
  }

  /** `object` as the API server returned it from a write (kind, namespace and name set). */
  wrote(object: KubernetesObject): void {
    this.recent.record(objectId(object.kind ?? "", object.metadata?.namespace ?? "", object.metadata?.name ?? ""), object);
  }

  deleted(kind: string, namespace: string, name: string): void {
    this.recent.record(objectId(kind, namespace, name), null, this.find(kind, namespace, name));
  }
}

export interface ApplyDeps {
  readonly applier: Applier;
  readonly client: KubeClient;
  /** Aborted when the reconcile must stop writing (time box, shutdown, lost leadership). */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** Fields the API server did not keep, learnt by earlier applies (kept across reconciles). */
  readonly unkept: UnkeptFields;
}

/** The desired objects and absences, plus migration Jobs a newer one replaced. */
export type ChildChanges = Pick<DesiredChildren, "objects" | "absent"> & { readonly superseded: readonly V1Job[] };

const nameOf = (o: KubernetesObject) => o.metadata?.name ?? "";

export async function applyChildren(changes: ChildChanges, view: LiveView, deps: ApplyDeps): Promise<ApplyReport> {
  const actions: ChildAction[] = [];
  const failures: string[] = [];
  const attempt = async (what: string, write: () => Promise<ChildAction | undefined>) => {
    deps.signal.throwIfAborted();
    try {
      const action = await write();
      if (action) actions.push(action);
    } catch (err) {
      failures.push(`cannot ${what}: ${describeError(err)}`);
    }
  };

  for (const child of changes.objects) {
    const kind = child.kind ?? "";
    const namespace = child.metadata?.namespace ?? "";
    const live = view.find(kind, namespace, nameOf(child));
    if (kind === "Job") {
      if (!live) await attempt(`create Job ${nameOf(child)}`, () => createJob(child as V1Job, view, deps));
      continue;
    }
    const desired = withDesiredHash(child);
    const drift = driftOf(desired, live, deps.unkept.of(desired));
    if (drift.equal) continue;
    await attempt(`apply ${kind} ${nameOf(child)}`, async () => {
      const { object, outcome } = await deps.applier.apply(desired, live);
      view.wrote(object);
      const unkept = deps.unkept.learn(desired, object);
      if (unkept.length) deps.logger.warn({ kind, name: nameOf(child), fields: unkept }, "the API server does not keep these fields (a feature gate may be off); not comparing them");
      if (outcome === "unchanged") return undefined;
      const verb = !live ? "created" : drift.path === `metadata.annotations.${desiredHashAnnotation}` ? "updated" : "repaired";
      deps.logger.info({ kind, name: nameOf(child), verb, ...(verb === "repaired" ? { field: drift.path } : {}) }, `child ${verb}`);
      return { verb, kind, name: nameOf(child), ...(verb === "repaired" ? { path: drift.path } : {}) };
    });
  }

  const toDelete = [
    ...changes.absent.filter((a) => view.find(a.kind, a.namespace, a.name)),
    ...changes.superseded.map((j) => ({ apiVersion: "batch/v1", kind: "Job", namespace: j.metadata?.namespace ?? "", name: nameOf(j) })),
  ];
  for (const ref of toDelete) {
    await attempt(`delete ${ref.kind} ${ref.name}`, async () => {
      const path = await deps.client.path(ref);
      try {
        // Background: a Job's pods go with it (the API's default for Jobs would orphan them).
        await deps.client.request("DELETE", path, { query: { propagationPolicy: "Background" } });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      view.deleted(ref.kind, ref.namespace, ref.name);
      deps.logger.info({ kind: ref.kind, name: ref.name }, "child deleted");
      return { verb: "deleted", kind: ref.kind, name: ref.name };
    });
  }
  return { actions, failures };
}

async function createJob(job: V1Job, view: LiveView, deps: ApplyDeps): Promise<ChildAction | undefined> {
  const path = await deps.client.path({ apiVersion: "batch/v1", kind: "Job", namespace: job.metadata?.namespace ?? "" });
  try {
    const created = await deps.client.request<V1Job>("POST", path, { query: { fieldManager: deps.applier.fieldManager }, body: job });
    view.wrote(created);
  } catch (err) {
    if (statusOf(err) === 409) return undefined; // made by an earlier run; the cache will show it
    throw err;
  }
  deps.logger.info({ kind: "Job", name: nameOf(job) }, "child created");
  return { verb: "created", kind: "Job", name: nameOf(job) };
}
