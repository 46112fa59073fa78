// The status an instance gets in each of the reconciler's outcomes, and the Events its
// transitions deserve. Pure: the reconciler compares the result with the stored status and
// writes only when they differ (statusEqual), so an unchanged instance costs no write.
import type { WabaInstance, WabaInstanceStatus } from "../api/types.js";
import type { EventType } from "../controller/index.js";
import type { BuildContext, Problem } from "../resources/context.js";
import {
  instanceStatus, invalidStatus, numberConflictCondition, readyCondition, setCondition, type ObservedChildren,
} from "../resources/status.js";

export type Outcome =
  /** The spec names something the configuration does not have (region, tier, storage class …). */
  | { readonly kind: "invalid"; readonly problems: readonly Problem[] }
  /** Another instance (namespace/name) owns the number. */
  | { readonly kind: "conflict"; readonly owner: string }
  /** spec.paused: nothing was written. */
  | { readonly kind: "paused" }
  /** Children were applied; `failures` are the writes the API server refused. */
  | { readonly kind: "reconciled"; readonly context: BuildContext; readonly observed: ObservedChildren; readonly failures: readonly string[] };

export function nextStatus(instance: WabaInstance, outcome: Outcome, now: Date): WabaInstanceStatus {
  const previous = instance.status;
  const generation = instance.metadata.generation;
  const observedGeneration = generation !== undefined ? { observedGeneration: generation } : {};
  switch (outcome.kind) {
    case "invalid":
      return invalidStatus(generation, outcome.problems, previous, now);
    case "conflict": {
      const conflict = numberConflictCondition(instance.spec.phoneNumber, outcome.owner);
      let conditions = setCondition(previous?.conditions ?? [], readyCondition([], [], conflict), now, generation);
      conditions = setCondition(conditions, conflict, now, generation);
      return { ...previous, phase: "Failed", ...observedGeneration, conditions };
    }
    case "paused":
      // Everything else stays as last observed: while paused the operator reports nothing new.
      return { ...previous, phase: "Paused", ...observedGeneration };
    case "reconciled": {
      const status = instanceStatus(outcome.context, { observed: outcome.observed, previous, now });
      if (!outcome.failures.length) return status;
      const failed = { type: "Ready", status: "False", reason: "ApplyFailed", message: outcome.failures.join("; ") } as const;
      return { ...status, conditions: setCondition(status.conditions ?? [], failed, now, generation) };
    }
  }
}

export interface EventNote {
  readonly type: EventType;
  readonly reason: string;
  readonly action: string;
  readonly note: string;
}

const readyOf = (status: WabaInstanceStatus | undefined) => status?.conditions?.find((c) => c.type === "Ready");

/** Events for what changed between two statuses: phase transitions, scaling, a tier's cap. */
export function transitionEvents(previous: WabaInstanceStatus | undefined, next: WabaInstanceStatus, context?: BuildContext): EventNote[] {
  const events: EventNote[] = [];
  const ready = readyOf(next);
  if (next.phase !== previous?.phase) {
    switch (next.phase) {
      case "Ready":
        events.push({ type: "Normal", reason: "Ready", action: "Reconcile", note: "every component is ready" });
        break;
      case "Degraded":
        events.push({ type: "Warning", reason: "Degraded", action: "Reconcile", note: ready?.message ?? "a component is not ready" });
        break;
      case "Failed":
        events.push({ type: "Warning", reason: ready?.reason === "ComponentsNotReady" ? "MigrationFailed" : (ready?.reason ?? "Failed"), action: "Reconcile", note: ready?.message ?? "failed" });
        break;
      case "Paused":
        events.push({ type: "Normal", reason: "Paused", action: "Pause", note: "spec.paused is true: the operator changes nothing until it is false" });
        break;
      default:
        break;
    }
  }
  if (previous?.desiredShards !== undefined && next.desiredShards !== undefined && previous.desiredShards !== next.desiredShards) {
    events.push({ type: "Normal", reason: "ShardsScaled", action: "Scale", note: `scaling from ${previous.desiredShards} to ${next.desiredShards} shards` });
  }
  const capped = context?.shards.capped;
  if (capped && previous?.observedGeneration !== next.observedGeneration) {
    events.push({ type: "Warning", reason: "ShardsCapped", action: "Scale", note: capped });
  }
  return events;
}
