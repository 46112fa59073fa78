// Names of the WabaInstance API that code refers to. The CRD (crds/waba.dev_wabainstances.yaml)
// defines them; api.test.ts proves these agree with it.
import type { Condition, WabaInstanceStatus } from "./types.generated.js";

export const group = "waba.dev";
export const version = "v1alpha1";
export const apiVersion = `${group}/${version}` as const;
export const kind = "WabaInstance";
export const plural = "wabainstances";
export const shortName = "waba";

/** Label keys every child carries; name, instance and component select pods. */
export const labelKeys = {
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  partOf: "app.kubernetes.io/part-of",
} as const;
export const appName = "waba";
export const managedBy = "waba-operator";
export const partOf = "waba";

/** Node label the operator pins every pod of an instance to (the region's nodeLabelValue). */
export const regionLabel = "topology.kubernetes.io/region";

/** Pod-template annotation: a hash of everything that should roll the pods when it changes. */
export const inputsHashAnnotation = "waba.dev/inputs-hash";

/** The kinds of child an instance has, as in the app.kubernetes.io/component label. */
export const components = ["webapp", "coreapp", "webhook", "database", "migrate", "media", "credentials"] as const;
export type Component = (typeof components)[number];

export type Phase = NonNullable<WabaInstanceStatus["phase"]>;
export const phases = ["Pending", "Provisioning", "Ready", "Degraded", "Failed", "Paused"] as const satisfies readonly Phase[];

export const conditionTypes = [
  "Ready",
  "Credentials",
  "Database",
  "Media",
  "WebApp",
  "CoreApp",
  "Webhook",
  "Migration",
  "NumberConflict",
] as const;
export type ConditionType = (typeof conditionTypes)[number];
export type ConditionStatus = Condition["status"];

/** Shard counts multi-connect allows. */
export const allowedShards = [1, 2, 4, 8, 16, 32] as const;
export type ShardCount = (typeof allowedShards)[number];
