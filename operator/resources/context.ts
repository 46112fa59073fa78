// What every builder reads: the instance with its tier and region resolved from the operator's
// configuration, the shard decision, the images and the credentials. Made once per reconcile by
// buildContext, which reports what makes an instance unbuildable instead of throwing.
import type { V1PersistentVolumeClaim, V1StatefulSet } from "@kubernetes/client-node";
import type { WabaInstance, WabaInstanceSpec } from "../api/types.js";
import type { OperatorConfig, Region, Tier } from "../config/config.js";
import { resolveCredentials, type Credentials } from "./credentials.js";
import type { Owner } from "./metadata.js";
import { mergedResources, type ResourceComponent } from "./pod.js";
import { quantityBytes } from "./quantity.js";
import { effectiveShards, type ShardDecision } from "./shards.js";

/** WebApp replicas of every instance (each gets its share of the tier's rate limit). */
export const webappReplicas = 2;

/** What the I/O side passes in: everything random or read from the cluster. */
export interface BuildInputs {
  /** The credentials Secret's current `data` (kept) and fresh values for the keys it lacks. */
  readonly credentials: { readonly existing?: Readonly<Record<string, string>>; readonly generated: Credentials };
  /**
   * A hash of the content of each user Secret the pods read (webhook HMAC secrets, external
   * database, TLS), by Secret name, so pods roll when one changes.
   */
  readonly secretHashes?: Readonly<Record<string, string>>;
  /** Image the WebApp, CoreApp and webhook pods run (see rolloutImage). @default the desired image */
  readonly workloadImage?: string;
  /** The database StatefulSet and its data claim as they exist: volumeClaimTemplates are immutable. */
  readonly existingDatabase?: { readonly statefulSet?: V1StatefulSet; readonly claim?: V1PersistentVolumeClaim };
}

export interface BuildContext {
  readonly instance: WabaInstance;
  readonly spec: WabaInstanceSpec;
  readonly owner: Owner;
  readonly config: OperatorConfig;
  readonly tierName: string;
  readonly tier: Tier;
  readonly regionName: string;
  readonly region: Region;
  readonly shards: ShardDecision;
  /** The runtime image the spec asks for: spec.runtimeImage or the operator's default. */
  readonly image: string;
  /** The runtime image of the long-running pods (the desired one once its migration succeeded). */
  readonly workloadImage: string;
  readonly credentials: Credentials;
  /** Whether children holding data (volumes, credentials) are owned by the instance (policy Delete). */
  readonly ownsData: boolean;
  readonly inputs: BuildInputs;
}

/** Why an instance cannot be built, naming the field and what is allowed. */
export interface Problem {
  readonly field: string;
  readonly message: string;
}

export type ContextResult = { readonly context: BuildContext; readonly problems: readonly [] } | { readonly context?: undefined; readonly problems: readonly Problem[] };

const allowed = (names: readonly string[]) => `(allowed: ${names.join(", ")})`;

function storageClassProblems(spec: WabaInstanceSpec, regionName: string, region: Region): Problem[] {
  const classes = [region.storageClassName, region.mediaStorageClassName, ...region.allowedStorageClassNames].filter((c): c is string => !!c);
  const asked = [
    { field: "spec.database.managed.storageClassName", value: spec.database.managed?.storageClassName },
    { field: "spec.media.storageClassName", value: spec.media.storageClassName },
  ];
  return asked
    .filter((a) => a.value !== undefined && !classes.includes(a.value))
    .map((a) => ({
      field: a.field,
      message: `${a.field} "${a.value ?? ""}" is not a storage class of region ${regionName} ${allowed([...new Set(classes)])}`,
    }));
}

const resourceComponents: readonly ResourceComponent[] = ["webapp", "coreapp", "webhook", "database", "migrate"];

/** Requests above limits once the spec's resources replace the tier's: the API server would refuse the pods. */
function resourceProblems(spec: WabaInstanceSpec, tierName: string, tier: Tier): Problem[] {
  return resourceComponents.flatMap((component) => {
    const { requests = {}, limits = {} } = mergedResources(tier, spec, component);
    return Object.entries(requests)
      .filter(([name, request]) => limits[name] !== undefined && quantityBytes(request) > quantityBytes(limits[name]))
      .map(([name, request]) => ({
        field: `spec.podTemplate.resources.${component}`,
        message: `spec.podTemplate.resources.${component}: the ${name} request ${request} exceeds the limit ${limits[name] ?? ""} (tier ${tierName} gives the values the spec does not set)`,
      }));
  });
}

export function buildContext(instance: WabaInstance, config: OperatorConfig, inputs: BuildInputs): ContextResult {
  const { name, namespace, uid } = instance.metadata;
  const { spec } = instance;
  const problems: Problem[] = [];
  if (!name || !namespace || !uid) problems.push({ field: "metadata", message: "metadata.name, namespace and uid must be set (a stored object)" });
  const tier = config.tiers[spec.tier];
  if (!tier) problems.push({ field: "spec.tier", message: `spec.tier "${spec.tier}" is not a configured tier ${allowed(Object.keys(config.tiers))}` });
  else problems.push(...resourceProblems(spec, spec.tier, tier));
  const region = config.regions[spec.region];
  if (!region) problems.push({ field: "spec.region", message: `spec.region "${spec.region}" is not a configured region ${allowed(Object.keys(config.regions))}` });
  else problems.push(...storageClassProblems(spec, spec.region, region));
  if (!name || !namespace || !uid || !tier || !region || problems.length) return { problems };

  const image = spec.runtimeImage ?? config.images.runtime;
  return {
    problems: [],
    context: {
      instance,
      spec,
      owner: { name, namespace, uid },
      config,
      tierName: spec.tier,
      tier,
      regionName: spec.region,
      region,
      shards: effectiveShards(spec, spec.tier, tier, config.messagesPerShard),
      image,
      workloadImage: inputs.workloadImage ?? image,
      credentials: resolveCredentials(inputs.credentials.existing, inputs.credentials.generated),
      ownsData: spec.persistentVolumeClaimRetentionPolicy.whenDeleted === "Delete",
      inputs,
    },
  };
}
