// Status, computed purely: component conditions from the children as observed, Ready from them,
// the phase, and the whole status the reconciler compares with the stored one (statusEqual) to
// write only when something changed.
import type { V1Deployment, V1Job, V1PersistentVolumeClaim, V1Secret, V1StatefulSet } from "@kubernetes/client-node";
import { conditionTypes, type ConditionType, type Phase } from "../api/constants.js";
import type { Condition, WabaInstanceStatus } from "../api/types.js";
import { canonicalJson } from "./canonical.js";
import type { BuildContext, Problem } from "./context.js";
import { coreappReplicas } from "./coreapp.js";
import { credentialKeys } from "./credentials.js";
import { childName, selectorLabels, selectorString } from "./metadata.js";
import { jobState } from "./migrate.js";
import { capacityOf } from "./shards.js";
import { endpointOf } from "./webapp.js";

/** A condition before it is placed in time (setCondition adds lastTransitionTime and the generation). */
export interface ConditionUpdate {
  readonly type: ConditionType;
  readonly status: Condition["status"];
  readonly reason: string;
  readonly message: string;
}

/** The children as the informer caches hold them; absent means not found. */
export interface ObservedChildren {
  readonly credentials?: V1Secret;
  readonly database?: V1StatefulSet;
  readonly media?: V1PersistentVolumeClaim;
  readonly webapp?: V1Deployment;
  readonly coreapp?: V1StatefulSet;
  readonly webhook?: V1Deployment;
  /** The current migrate Job (see currentMigration). */
  readonly migration?: V1Job;
}

const notCreated = (type: ConditionType, what: string): ConditionUpdate => ({ type, status: "False", reason: "NotCreated", message: `${what} does not exist yet` });

/** Ready when the controller has seen the latest spec and every desired replica is updated and ready. */
function workload(type: ConditionType, what: string, object: V1Deployment | V1StatefulSet | undefined): ConditionUpdate {
  if (!object) return notCreated(type, what);
  const desired = object.spec?.replicas ?? 1;
  const status = object.status;
  const ready = status?.readyReplicas ?? 0;
  const updated = status?.updatedReplicas ?? 0;
  const seen = (status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 0);
  if (seen && ready >= desired && updated >= desired) return { type, status: "True", reason: "Ready", message: `${ready}/${desired} pods ready` };
  const reason = ready === 0 ? "Unavailable" : "Progressing";
  return { type, status: "False", reason, message: `${what}: ${ready}/${desired} pods ready, ${updated} up to date` };
}

/** readyShards: shards a ready CoreApp can serve (the spare adds none). */
export function readyShards(coreapp: V1StatefulSet | undefined, shards: number): number {
  return Math.min(coreapp?.status?.readyReplicas ?? 0, shards);
}

/** One condition per component, from the children as observed. */
export function componentConditions(ctx: BuildContext, observed: ObservedChildren): ConditionUpdate[] {
  const name = ctx.owner.name;
  const conditions: ConditionUpdate[] = [];

  const secret = observed.credentials;
  const missingKeys = credentialKeys.filter((k) => !secret?.data?.[k]);
  conditions.push(
    !secret
      ? notCreated("Credentials", `Secret ${childName(name, "credentials")}`)
      : missingKeys.length
        ? { type: "Credentials", status: "False", reason: "Incomplete", message: `Secret ${childName(name, "credentials")} lacks ${missingKeys.join(", ")}` }
        : { type: "Credentials", status: "True", reason: "Ready", message: `Secret ${childName(name, "credentials")} holds every credential` },
  );

  const external = ctx.spec.database.external;
  conditions.push(
    external
      ? { type: "Database", status: "True", reason: "External", message: `the database of Secret ${external.secretRef.name}; the runtime checks the connection` }
      : workload("Database", `StatefulSet ${childName(name, "database")}`, observed.database),
  );

  const phase = observed.media?.status?.phase;
  conditions.push(
    !observed.media
      ? notCreated("Media", `PersistentVolumeClaim ${childName(name, "media")}`)
      : phase === "Bound"
        ? { type: "Media", status: "True", reason: "Bound", message: `PersistentVolumeClaim ${childName(name, "media")} is bound` }
        : { type: "Media", status: "False", reason: phase ?? "Pending", message: `PersistentVolumeClaim ${childName(name, "media")} is ${phase ?? "Pending"}` },
  );

  conditions.push(workload("WebApp", `Deployment ${childName(name, "webapp")}`, observed.webapp));

  const shards = ctx.shards.shards;
  const coreapp = workload("CoreApp", `StatefulSet ${childName(name, "coreapp")}`, observed.coreapp);
  const replicas = observed.coreapp?.spec?.replicas;
  conditions.push(
    coreapp.status === "True" && replicas !== coreappReplicas(shards)
      ? { type: "CoreApp", status: "False", reason: "Scaling", message: `scaling to ${coreappReplicas(shards)} CoreApps for ${shards} shards` }
      : coreapp.status === "True"
        ? { ...coreapp, message: `${shards} shard${shards === 1 ? "" : "s"} served, 1 spare${ctx.shards.capped ? `; ${ctx.shards.capped}` : ""}` }
        : coreapp,
  );

  conditions.push(workload("Webhook", `Deployment ${childName(name, "webhook")}`, observed.webhook));

  const job = observed.migration;
  const state = jobState(job);
  const jobName = job?.metadata?.name ?? "migrate Job";
  const failure = job?.status?.conditions?.find((c) => c.type === "Failed")?.message;
  conditions.push(
    state === "Succeeded"
      ? { type: "Migration", status: "True", reason: "Succeeded", message: `Job ${jobName} migrated the schema for ${ctx.image} and ${shards} shards` }
      : state === "Failed"
        ? { type: "Migration", status: "False", reason: "Failed", message: `Job ${jobName} failed${failure ? `: ${failure}` : ""}` }
        : state === "Missing"
          ? notCreated("Migration", "the migrate Job")
          : { type: "Migration", status: "False", reason: "Running", message: `Job ${jobName} is migrating the schema` },
  );
  return conditions;
}

/** NumberConflict: True when another instance (namespace/name) already has the number. */
export function numberConflictCondition(phoneNumber: string, conflictWith: string | undefined): ConditionUpdate {
  return conflictWith
    ? { type: "NumberConflict", status: "True", reason: "DuplicateNumber", message: `${phoneNumber} is already served by WabaInstance ${conflictWith}; this one is not reconciled` }
    : { type: "NumberConflict", status: "False", reason: "Unique", message: `no other instance has ${phoneNumber}` };
}

/** Ready: True when every component is; otherwise why not (a bad spec or conflict first). */
export function readyCondition(components: readonly ConditionUpdate[], problems: readonly Problem[] = [], conflict?: ConditionUpdate): ConditionUpdate {
  if (problems.length) return { type: "Ready", status: "False", reason: "InvalidSpec", message: problems.map((p) => p.message).join("; ") };
  if (conflict?.status === "True") return { type: "Ready", status: "False", reason: "NumberConflict", message: conflict.message };
  const notReady = components.filter((c) => c.status !== "True");
  if (!notReady.length) return { type: "Ready", status: "True", reason: "AllComponentsReady", message: "every component is ready" };
  return { type: "Ready", status: "False", reason: "ComponentsNotReady", message: `not ready: ${notReady.map((c) => c.type).join(", ")}` };
}

/** Sets a condition; lastTransitionTime changes only when the status does. Keeps the CRD's order of types. */
export function setCondition(conditions: readonly Condition[], update: ConditionUpdate, now: Date, generation?: number): Condition[] {
  const before = conditions.find((c) => c.type === update.type);
  const next: Condition = {
    ...update,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    lastTransitionTime: before && before.status === update.status ? before.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const order = (c: Condition) => {
    const i = (conditionTypes as readonly string[]).indexOf(c.type);
    return i === -1 ? conditionTypes.length : i;
  };
  return [...conditions.filter((c) => c.type !== update.type), next].sort((a, b) => order(a) - order(b));
}

export interface PhaseInputs {
  readonly paused: boolean;
  readonly conditions: readonly ConditionUpdate[];
  readonly previous?: Phase;
}

export function phaseOf({ paused, conditions, previous }: PhaseInputs): Phase {
  if (paused) return "Paused";
  const get = (type: ConditionType) => conditions.find((c) => c.type === type);
  const ready = get("Ready");
  if (ready?.status === "True") return "Ready";
  if (ready?.reason === "InvalidSpec" || ready?.reason === "NumberConflict" || get("Migration")?.reason === "Failed") return "Failed";
  const components = conditions.filter((c) => c.type !== "Ready" && c.type !== "NumberConflict");
  if (components.length && components.every((c) => c.reason === "NotCreated")) return "Pending";
  return previous === "Ready" || previous === "Degraded" ? "Degraded" : "Provisioning";
}

export interface StatusInputs {
  readonly observed: ObservedChildren;
  readonly previous?: WabaInstanceStatus;
  /** namespace/name of an older instance with the same number. */
  readonly conflictWith?: string;
  readonly now: Date;
}

/** The status of a buildable instance. */
export function instanceStatus(ctx: BuildContext, { observed, previous, conflictWith, now }: StatusInputs): WabaInstanceStatus {
  const generation = ctx.instance.metadata.generation;
  const components = componentConditions(ctx, observed);
  const conflict = numberConflictCondition(ctx.spec.phoneNumber, conflictWith);
  const updates = [readyCondition(components, [], conflict), ...components, conflict];
  let conditions: Condition[] = [...(previous?.conditions ?? [])];
  for (const update of updates) conditions = setCondition(conditions, update, now, generation);
  const shards = ctx.shards.shards;
  return {
    phase: phaseOf({ paused: ctx.spec.paused, conditions: updates, previous: previous?.phase }),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions,
    desiredShards: shards,
    readyShards: readyShards(observed.coreapp, shards),
    capacity: capacityOf(shards, ctx.config.messagesPerShard, ctx.tier),
    endpoint: endpointOf(ctx),
    credentialsSecret: childName(ctx.owner.name, "credentials"),
    selector: selectorString(selectorLabels(ctx.owner.name, "coreapp")),
    ...(previous?.gateway ? { gateway: previous.gateway } : {}),
  };
}

/** The status of an instance that cannot be built (unknown region or tier, …): Failed, saying why. */
export function invalidStatus(generation: number | undefined, problems: readonly Problem[], previous: WabaInstanceStatus | undefined, now: Date): WabaInstanceStatus {
  const ready = readyCondition([], problems);
  return {
    ...previous,
    phase: "Failed",
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: setCondition(previous?.conditions ?? [], ready, now, generation),
  };
}

/** Deep equality of two statuses, blind to key order: write the status only when this is false. */
export function statusEqual(a: WabaInstanceStatus | undefined, b: WabaInstanceStatus | undefined): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b ?? {});
}
