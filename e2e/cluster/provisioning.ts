// What the local cluster's volume provisioner must do, computed from what it sees: a pure
// function from claims, volumes and storage classes to volumes to create and to delete.
// pv-provisioner.ts does the I/O.
import type {
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1NodeSelectorTerm,
  V1StorageClass,
} from "@kubernetes/client-node";

/** The `provisioner` of the StorageClasses this provisioner serves. */
export const PROVISIONER = "waba.local/hostpath";
/** Set on a claim by the scheduler once it has chosen the node of the claim's first pod. */
export const SELECTED_NODE = "volume.kubernetes.io/selected-node";
const PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";

export interface ClusterVolumes {
  readonly claims: readonly V1PersistentVolumeClaim[];
  readonly volumes: readonly V1PersistentVolume[];
  readonly classes: readonly V1StorageClass[];
}

export interface VolumePlan {
  readonly create: V1PersistentVolume[];
  /** Names of volumes whose claim is gone and whose reclaim policy is Delete. */
  readonly remove: string[];
}

function volumeNameFor(claim: V1PersistentVolumeClaim): string {
  return `pvc-${claim.metadata?.uid ?? ""}`;
}

export function planVolumes(state: ClusterVolumes, volumeRoot: string): VolumePlan {
  const classes = new Map(state.classes.map((c) => [c.metadata?.name, c]));
  const existing = new Set(state.volumes.map((v) => v.metadata?.name));
  const create = state.claims
    .map((claim) => volumeFor(claim, classes.get(claim.spec?.storageClassName), volumeRoot))
    .filter((v): v is V1PersistentVolume => v !== undefined && !existing.has(v.metadata?.name));
  const remove = state.volumes
    .filter(
      (v) =>
        v.metadata?.annotations?.[PROVISIONED_BY] === PROVISIONER &&
        v.spec?.persistentVolumeReclaimPolicy === "Delete" &&
        v.status?.phase === "Released" &&
        !v.metadata.deletionTimestamp,
    )
    .map((v) => v.metadata?.name ?? "");
  return { create, remove };
}

/**
 * The volume a claim needs from us, or undefined when it needs none (yet): the claim is of
 * another provisioner, already bound, being deleted, or waits for its first consumer to be
 * scheduled. The volume is pre-bound to the claim (claimRef) and pinned to the chosen node,
 * or else to the class's allowed topology.
 */
export function volumeFor(
  claim: V1PersistentVolumeClaim,
  storageClass: V1StorageClass | undefined,
  volumeRoot: string,
): V1PersistentVolume | undefined {
  const meta = claim.metadata;
  const spec = claim.spec;
  if (!meta?.uid || !spec || storageClass?.provisioner !== PROVISIONER) return undefined;
  if (meta.deletionTimestamp || spec.volumeName || claim.status?.phase !== "Pending") return undefined;
  const node = meta.annotations?.[SELECTED_NODE];
  if (storageClass.volumeBindingMode === "WaitForFirstConsumer" && !node) return undefined;
  const storage = spec.resources?.requests?.storage;
  if (!storage) return undefined;

  const name = volumeNameFor(claim);
  const terms: V1NodeSelectorTerm[] = node
    ? [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }]
    : (storageClass.allowedTopologies ?? []).map((t) => ({
        matchExpressions: (t.matchLabelExpressions ?? []).map((e) => ({ key: e.key, operator: "In", values: e.values })),
      }));
  return {
    apiVersion: "v1",
    kind: "PersistentVolume",
    metadata: { name, annotations: { [PROVISIONED_BY]: PROVISIONER } },
    spec: {
      storageClassName: storageClass.metadata?.name,
      capacity: { storage },
      accessModes: spec.accessModes ?? ["ReadWriteOnce"],
      volumeMode: spec.volumeMode ?? "Filesystem",
      persistentVolumeReclaimPolicy: storageClass.reclaimPolicy ?? "Delete",
      mountOptions: storageClass.mountOptions,
      hostPath: { path: `${volumeRoot}/${name}`, type: "DirectoryOrCreate" },
      claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: meta.namespace, name: meta.name, uid: meta.uid },
      ...(terms.length > 0 ? { nodeAffinity: { required: { nodeSelectorTerms: terms } } } : {}),
    },
  };
}
