// What the operator watches and how a change maps to the instances it concerns. Reads come from
// these caches only (never a GET per reconcile), and they hold only what the operator manages:
//   - WabaInstances (all namespaces, or config.watchNamespace);
//   - every child kind, filtered by app.kubernetes.io/managed-by=waba-operator;
//   - user Secrets (webhook HMAC, external database, TLS) as metadata only (metadata-only.ts),
//     leaving out the kinds of Secret an instance never names (service-account tokens, Helm
//     releases) and our own; their resourceVersion feeds the pods' inputs hash.
import type { KubernetesObject, V1ObjectMeta } from "@kubernetes/client-node";
import { group, apiVersion as instanceApiVersion, kind as instanceKind, labelKeys, managedBy, plural } from "../api/constants.js";
import type { WabaInstance, WabaInstanceSpec } from "../api/types.js";
import { Informer, controllerOwner, objectKey, type Manager } from "../controller/index.js";
import { sameNumberKeys } from "./conflicts.js";
import { metadataOnlyClient } from "./metadata-only.js";

/** A kind of child: what the informer watches and what RBAC must allow. */
export interface ChildKind {
  readonly apiVersion: string;
  readonly kind: string;
  /** The resource (plural) in paths and RBAC rules. */
  readonly resource: string;
}

export const childKinds: readonly ChildKind[] = [
  { apiVersion: "v1", kind: "Secret", resource: "secrets" },
  { apiVersion: "v1", kind: "Service", resource: "services" },
  { apiVersion: "v1", kind: "PersistentVolumeClaim", resource: "persistentvolumeclaims" },
  { apiVersion: "apps/v1", kind: "Deployment", resource: "deployments" },
  { apiVersion: "apps/v1", kind: "StatefulSet", resource: "statefulsets" },
  { apiVersion: "batch/v1", kind: "Job", resource: "jobs" },
  { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", resource: "networkpolicies" },
  { apiVersion: "policy/v1", kind: "PodDisruptionBudget", resource: "poddisruptionbudgets" },
];

export const managedSelector = `${labelKeys.managedBy}=${managedBy}`;
/** Secrets an instance may name: not ours (cached in full above), not tokens, not Helm releases. */
export const userSecretSelectors = {
  labelSelector: `${labelKeys.managedBy}!=${managedBy}`,
  fieldSelector: "type!=kubernetes.io/service-account-token,type!=helm.sh/release.v1",
};

/** The collection path of a resource, in one namespace or all. */
export function collectionPath(apiVersion: string, resource: string, namespace?: string): string {
  const root = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${root}/namespaces/${encodeURIComponent(namespace)}/${resource}` : `${root}/${resource}`;
}

export interface PartialObjectMetadata extends KubernetesObject {
  metadata: V1ObjectMeta;
}

export interface Caches {
  readonly instances: Informer<WabaInstance>;
  /** By kind (Secret, Service …). */
  readonly children: ReadonlyMap<string, Informer>;
  /** Not started by the manager: start() and stop() it beside it. */
  readonly userSecrets: Informer<PartialObjectMetadata>;
}

export function createCaches(manager: Manager, watchNamespace: string | undefined): Caches {
  const instances = manager.informer<WabaInstance>({ path: collectionPath(instanceApiVersion, plural, watchNamespace), name: plural });
  const children = new Map(childKinds.map((k) => [
    k.kind,
    manager.informer({ path: collectionPath(k.apiVersion, k.resource, watchNamespace), labelSelector: managedSelector, name: k.resource }),
  ]));
  const userSecrets = new Informer<PartialObjectMetadata>(
    { path: collectionPath("v1", "secrets", watchNamespace), name: "user-secrets", ...userSecretSelectors },
    { client: metadataOnlyClient(manager.client.kubeConfig, manager.metrics), metrics: manager.metrics, logger: manager.logger },
  );
  return { instances, children, userSecrets };
}

/** The names of the Secrets in its namespace an instance's pods read, besides its credentials. */
export function referencedSecrets(spec: WabaInstanceSpec): string[] {
  const names = [
    ...(spec.webhooks ?? []).map((w) => w.secretRef.name),
    spec.database.external?.secretRef.name,
    spec.tls?.secretName,
  ];
  return [...new Set(names.filter((n): n is string => !!n))].sort();
}

/** A child's instance: its controller owner, or its instance label (retained data has no owner). */
export function instanceKeysOfChild(child: KubernetesObject): string[] {
  const namespace = child.metadata?.namespace ?? "";
  const owner = controllerOwner(child);
  const keys = owner?.kind === instanceKind && owner.apiVersion.split("/")[0] === group ? [`${namespace}/${owner.name}`] : [];
  const label = child.metadata?.labels?.[labelKeys.instance];
  if (label && child.metadata?.labels?.[labelKeys.managedBy] === managedBy) keys.push(`${namespace}/${label}`);
  return keys;
}

/** The instances in a Secret's namespace whose pods read it. */
export function instanceKeysOfSecret(secret: KubernetesObject, instances: readonly WabaInstance[]): string[] {
  const name = secret.metadata?.name ?? "";
  return instances.filter((i) => referencedSecrets(i.spec).includes(name)).map(objectKey);
}

/** An instance's own key, and those of instances with its number (its change may let one proceed). */
export function instanceKeysOfInstance(instance: WabaInstance, all: readonly WabaInstance[]): string[] {
  return [objectKey(instance), ...sameNumberKeys(instance, all)];
}
