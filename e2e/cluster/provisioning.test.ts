import type { V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import { PROVISIONER, SELECTED_NODE, planVolumes } from "./provisioning.js";

const regionClass = (name: string, region: string, mode = "WaitForFirstConsumer"): V1StorageClass => ({
  metadata: { name },
  provisioner: PROVISIONER,
  reclaimPolicy: "Delete",
  volumeBindingMode: mode,
  allowedTopologies: [{ matchLabelExpressions: [{ key: "topology.kubernetes.io/region", values: [region] }] }],
});
const classes = [
  regionClass("standard-eu-central-1", "eu-central-1"),
  regionClass("immediate-me", "me-central-1", "Immediate"),
  { metadata: { name: "other" }, provisioner: "example.com/csi" },
];

function claim(name: string, storageClassName: string, extra: { node?: string; phase?: string; volumeName?: string } = {}): V1PersistentVolumeClaim {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}`, annotations: extra.node ? { [SELECTED_NODE]: extra.node } : {} },
    spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "2Gi" } }, volumeName: extra.volumeName },
    status: { phase: extra.phase ?? "Pending" },
  };
}

const plan = (claims: V1PersistentVolumeClaim[], volumes: V1PersistentVolume[] = []) =>
  planVolumes({ claims, volumes, classes }, "/tmp/c/volumes");

test("a claim whose first pod was scheduled gets a volume pre-bound to it and pinned to that node", () => {
  const { create } = plan([claim("data", "standard-eu-central-1", { node: "kwok-eu-central-1a-1" })]);
  expect(create).toHaveLength(1);
  const spec = create[0]!.spec!;
  expect(create[0]!.metadata?.name).toBe("pvc-uid-data");
  expect(spec.claimRef).toMatchObject({ namespace: "ns", name: "data", uid: "uid-data" });
  expect(spec.capacity).toEqual({ storage: "2Gi" });
  expect(spec.storageClassName).toBe("standard-eu-central-1");
  expect(spec.persistentVolumeReclaimPolicy).toBe("Delete");
  expect(spec.hostPath?.path).toBe("/tmp/c/volumes/pvc-uid-data");
  expect(spec.nodeAffinity?.required?.nodeSelectorTerms).toEqual([
    { matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: ["kwok-eu-central-1a-1"] }] },
  ]);
});

test("a claim that waits for its first consumer gets nothing until the scheduler picks a node", () => {
  expect(plan([claim("data", "standard-eu-central-1")]).create).toEqual([]);
});

test("a claim of an Immediate class gets a volume pinned to the class's region", () => {
  const { create } = plan([claim("data", "immediate-me")]);
  expect(create[0]?.spec?.nodeAffinity?.required?.nodeSelectorTerms).toEqual([
    { matchExpressions: [{ key: "topology.kubernetes.io/region", operator: "In", values: ["me-central-1"] }] },
  ]);
});

test("claims of other provisioners, bound claims and claims that already have our volume are left alone", () => {
  const existing = plan([claim("mine", "standard-eu-central-1", { node: "n" })]).create;
  const { create } = plan(
    [
      claim("foreign", "other", { node: "n" }),
      claim("no-class", "missing", { node: "n" }),
      claim("bound", "standard-eu-central-1", { node: "n", phase: "Bound", volumeName: "pv-1" }),
      claim("mine", "standard-eu-central-1", { node: "n" }),
    ],
    existing,
  );
  expect(create).toEqual([]);
});

test("only our released volumes with reclaim policy Delete are deleted", () => {
  const volume = (name: string, phase: string, policy = "Delete", by = PROVISIONER): V1PersistentVolume => ({
    metadata: { name, annotations: { "pv.kubernetes.io/provisioned-by": by } },
    spec: { persistentVolumeReclaimPolicy: policy },
    status: { phase },
  });
  const { remove } = plan([], [
    volume("released", "Released"),
    volume("bound", "Bound"),
    volume("retained", "Released", "Retain"),
    volume("foreign", "Released", "Delete", "example.com/csi"),
  ]);
  expect(remove).toEqual(["released"]);
});
