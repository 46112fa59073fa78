// What every pod of an instance shares: restricted pod security, region pinning, the user's
// overrides (which can never replace the selector labels), resources from the tier and the spec,
// and the inputs-hash annotation that rolls pods when something they read changes.
import { createHash } from "node:crypto";
import type {
  V1Container,
  V1PodSecurityContext,
  V1PodTemplateSpec,
  V1ResourceRequirements,
  V1SecurityContext,
  V1TopologySpreadConstraint,
  V1Volume,
} from "@kubernetes/client-node";
import { inputsHashAnnotation, regionLabel, type Component } from "../api/constants.js";
import type { ComponentResources, ResourceRequirements, WabaInstanceSpec } from "../api/types.js";
import type { Tier } from "../config/config.js";
import { canonicalJson } from "./canonical.js";
import type { BuildContext } from "./context.js";
import { childLabels, selectorLabels } from "./metadata.js";

/** uid of the runtime's processes; the runtime image must run under it with a read-only root. */
export const runtimeUid = 10001;
/** uid of the postgres user in the official PostgreSQL (Debian) images. */
export const postgresUid = 999;

type PodComponent = Exclude<Component, "media" | "credentials">;
export type ResourceComponent = keyof ComponentResources;

export function podSecurityContext(uid: number): V1PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

export const containerSecurityContext: V1SecurityContext = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};

/** A writable /tmp on a read-only root filesystem. */
export const tmpVolume: V1Volume = { name: "tmp", emptyDir: { sizeLimit: "256Mi" } };

function quantities(list: Readonly<Record<string, number | string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(list ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The tier's resources of a component, with the requests and limits the spec names replaced. */
export function mergedResources(tier: Tier, spec: WabaInstanceSpec, component: ResourceComponent): V1ResourceRequirements {
  const base: ResourceRequirements = tier.resources[component] ?? {};
  const own: ResourceRequirements = spec.podTemplate?.resources?.[component] ?? {};
  const requests = { ...quantities(base.requests), ...quantities(own.requests) };
  const limits = { ...quantities(base.limits), ...quantities(own.limits) };
  return {
    ...(Object.keys(requests).length ? { requests } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
  };
}

export function resourcesFor(ctx: BuildContext, component: ResourceComponent): V1ResourceRequirements {
  return mergedResources(ctx.tier, ctx.spec, component);
}

/** sha256 over a JSON value with sorted keys, so equal inputs hash equally whatever their order. */
export function inputsHash(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}

/** Soft spreading over nodes and zones: survive a node loss without refusing to schedule. */
function spread(instance: string, component: Component): V1TopologySpreadConstraint[] {
  return ["kubernetes.io/hostname", "topology.kubernetes.io/zone"].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selectorLabels(instance, component) },
  }));
}

export interface PodParts {
  readonly component: PodComponent;
  readonly uid: number;
  readonly containers: V1Container[];
  readonly volumes: V1Volume[];
  /** Everything outside the template that should roll the pods (secret content hashes). */
  readonly hashInputs: unknown;
  /** Spread replicas over nodes and zones. */
  readonly spread?: boolean;
  readonly restartPolicy?: "Always" | "Never";
}

export function podTemplate(ctx: BuildContext, parts: PodParts): V1PodTemplateSpec {
  const overrides = ctx.spec.podTemplate ?? {};
  const { [regionLabel]: _ignored, ...nodeSelector } = overrides.nodeSelector ?? {};
  const hash = inputsHash({ containers: parts.containers, volumes: parts.volumes, inputs: parts.hashInputs });
  return {
    metadata: {
      labels: { ...overrides.labels, ...childLabels(ctx.owner.name, parts.component) },
      annotations: { ...overrides.annotations, [inputsHashAnnotation]: hash },
    },
    spec: {
      securityContext: podSecurityContext(parts.uid),
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...(parts.restartPolicy ? { restartPolicy: parts.restartPolicy } : {}),
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: regionLabel, operator: "In", values: [ctx.region.nodeLabelValue] }] }],
          },
        },
      },
      ...(Object.keys(nodeSelector).length ? { nodeSelector } : {}),
      ...(overrides.tolerations?.length ? { tolerations: overrides.tolerations.map((t) => ({ ...t })) } : {}),
      ...(overrides.imagePullSecrets?.length ? { imagePullSecrets: overrides.imagePullSecrets.map((s) => ({ name: s.name })) } : {}),
      ...(parts.spread ? { topologySpreadConstraints: spread(ctx.owner.name, parts.component) } : {}),
      containers: parts.containers,
      volumes: parts.volumes,
    },
  };
}
