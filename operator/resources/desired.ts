// The table of contents of an instance: every child it should have, in the order to apply them,
// and the children that must not exist (to delete when found), or the problems that make the
// instance unbuildable (nothing is built then).
import type {
  V1Deployment,
  V1Job,
  V1PersistentVolumeClaim,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V1StatefulSet,
} from "@kubernetes/client-node";
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import { buildContext, type BuildContext, type BuildInputs, type Problem } from "./context.js";
import { coreappService, coreappStatefulSet } from "./coreapp.js";
import { credentialsSecret } from "./credentials.js";
import { databaseClaimExpansion, databaseService, databaseStatefulSet } from "./database.js";
import { coreappDisruptionBudget, webappDisruptionBudget } from "./disruption-budgets.js";
import { mediaClaim } from "./media.js";
import { migrationJob } from "./migrate.js";
import { childName } from "./metadata.js";
import { databaseNetworkPolicy, internalNetworkPolicy, webappNetworkPolicy, type NetworkPolicy } from "./network-policies.js";
import { webappDeployment, webappService } from "./webapp.js";
import { webhookDeployment } from "./webhook.js";

export type Child =
  | V1Secret
  | V1Service
  | V1PersistentVolumeClaim
  | V1StatefulSet
  | V1Deployment
  | V1Job
  | NetworkPolicy
  | V1PodDisruptionBudget;

/** A child that must not exist. */
export interface AbsentChild {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
}

export interface DesiredChildren {
  /** Wire JSON, ready for server-side apply; dependencies first (Secret and volumes before pods). */
  readonly objects: readonly Child[];
  readonly absent: readonly AbsentChild[];
  readonly problems: readonly Problem[];
  /** The context the objects were built from (shards, images, credentials), for status and events. */
  readonly context?: BuildContext;
}

type Builder = (ctx: BuildContext) => Child | null;

/** Builders whose result may be null, with the identity of what they would build. */
const optional: { build: Builder; apiVersion: string; kind: string; name: (instance: string) => string }[] = [
  { build: databaseService, apiVersion: "v1", kind: "Service", name: (i) => childName(i, "database") },
  { build: databaseStatefulSet, apiVersion: "apps/v1", kind: "StatefulSet", name: (i) => childName(i, "database") },
  { build: databaseNetworkPolicy, apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", name: (i) => childName(i, "database") },
];

export function desiredChildren(instance: WabaInstance, config: OperatorConfig, inputs: BuildInputs): DesiredChildren {
  const { context: ctx, problems } = buildContext(instance, config, inputs);
  if (!ctx) return { objects: [], absent: [], problems };
  const built = optional.map((o) => ({ ...o, object: o.build(ctx) }));
  const objects: (Child | null)[] = [
    credentialsSecret(ctx),
    mediaClaim(ctx),
    ...built.map((b) => b.object),
    databaseClaimExpansion(ctx),
    migrationJob(ctx),
    webappService(ctx),
    coreappService(ctx),
    webappDeployment(ctx),
    coreappStatefulSet(ctx),
    webhookDeployment(ctx),
    webappNetworkPolicy(ctx),
    internalNetworkPolicy(ctx),
    webappDisruptionBudget(ctx),
    coreappDisruptionBudget(ctx),
  ];
  const absent = built
    .filter((b) => b.object === null)
    .map((b) => ({ apiVersion: b.apiVersion, kind: b.kind, namespace: ctx.owner.namespace, name: b.name(ctx.owner.name) }));
  return { objects: objects.filter((o): o is Child => o !== null), absent, problems: [], context: ctx };
}
