// Workloads behave as on a real cluster, as far as the operator can see: controllers create
// pods, the scheduler places them, kwok runs them (Running, Ready, an IP; Job pods complete), claims bind to
// volumes in the region, and the garbage collector removes children with their owner.
import { AppsV1Api, BatchV1Api, CoreV1Api, type V1Pod, type V1PodTemplateSpec } from "@kubernetes/client-node";
import { testCluster, useTestNamespace, waitFor } from "../testing/cluster.js";

const cluster = testCluster();
const ns = useTestNamespace();
const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
const core = cluster.kubeConfig.makeApiClient(CoreV1Api);

function podTemplate(app: string, nodeSelector: Record<string, string> = {}): V1PodTemplateSpec {
  return {
    metadata: { labels: { app } },
    spec: { nodeSelector, containers: [{ name: "main", image: "registry.invalid/never-pulled:1" }] },
  };
}

const isRunningAndReady = (p: V1Pod) =>
  p.status?.phase === "Running" &&
  p.status.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true &&
  Boolean(p.status.podIP);

async function podsOf(app: string): Promise<V1Pod[]> {
  return (await core.listNamespacedPod({ namespace: ns.name, labelSelector: `app=${app}` })).items;
}

test("a Deployment of 3 replicas gets 3 Running and Ready pods with pod IPs, removed with the Deployment", async () => {
  await apps.createNamespacedDeployment({
    namespace: ns.name,
    body: {
      metadata: { name: "web" },
      spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: podTemplate("web") },
    },
  });
  const pods = await waitFor(async () => {
    const ready = (await podsOf("web")).filter(isRunningAndReady);
    return ready.length === 3 && ready;
  }, { what: "3 Running and Ready pods of Deployment web" });
  expect(new Set(pods.map((p) => p.status?.podIP)).size).toBe(3);
  const deployment = await waitFor(async () => {
    const d = await apps.readNamespacedDeployment({ name: "web", namespace: ns.name });
    return d.status?.readyReplicas === 3 && d;
  }, { what: "Deployment web to report 3 ready replicas" });
  expect(deployment.status?.availableReplicas).toBe(3);

  await apps.deleteNamespacedDeployment({ name: "web", namespace: ns.name });
  await waitFor(async () => {
    const sets = await apps.listNamespacedReplicaSet({ namespace: ns.name, labelSelector: "app=web" });
    return sets.items.length === 0 && (await podsOf("web")).length === 0;
  }, { what: "the garbage collector to remove the ReplicaSet and pods of Deployment web" });
});

test("a StatefulSet's claims bind to volumes on its pods' nodes in the region, and its pods go with it", async () => {
  const region = "me-central-1";
  await apps.createNamespacedStatefulSet({
    namespace: ns.name,
    body: {
      metadata: { name: "db" },
      spec: {
        replicas: 2,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: podTemplate("db", { "topology.kubernetes.io/region": region }),
        volumeClaimTemplates: [{
          metadata: { name: "data" },
          spec: {
            storageClassName: `standard-${region}`,
            accessModes: ["ReadWriteOnce"],
            resources: { requests: { storage: "1Gi" } },
          },
        }],
      },
    },
  });
  const pods = await waitFor(async () => {
    const ready = (await podsOf("db")).filter(isRunningAndReady);
    return ready.length === 2 && ready;
  }, { what: "2 Running and Ready pods of StatefulSet db" });

  const nodes = await core.listNode({ labelSelector: `topology.kubernetes.io/region=${region}` });
  const regionNodes = new Set(nodes.items.map((n) => n.metadata?.name));
  for (const pod of pods) {
    const claimName = `data-${pod.metadata?.name ?? ""}`;
    // The PV controller writes Bound in its own update, which may come after the pod runs.
    const claim = await waitFor(async () => {
      const c = await core.readNamespacedPersistentVolumeClaim({ name: claimName, namespace: ns.name });
      return c.status?.phase === "Bound" && c;
    }, { what: `claim ${claimName} Bound` });
    const volume = await core.readPersistentVolume({ name: claim.spec?.volumeName ?? "" });
    const pinnedTo = volume.spec?.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values;
    expect(pinnedTo).toEqual([pod.spec?.nodeName]);
    expect(regionNodes.has(pod.spec?.nodeName)).toBe(true);
  }

  await apps.deleteNamespacedStatefulSet({ name: "db", namespace: ns.name });
  await waitFor(async () => (await podsOf("db")).length === 0, {
    what: "the garbage collector to remove the pods of StatefulSet db",
  });
});

test("a claim's volume is deleted with the claim (reclaim policy Delete)", async () => {
  await core.createNamespacedPersistentVolumeClaim({
    namespace: ns.name,
    body: {
      metadata: { name: "scratch" },
      spec: {
        storageClassName: "standard-eu-central-1",
        accessModes: ["ReadWriteOnce"],
        resources: { requests: { storage: "1Gi" } },
      },
    },
  });
  await core.createNamespacedPod({
    namespace: ns.name,
    body: {
      metadata: { name: "user" },
      spec: {
        containers: [{ name: "main", image: "registry.invalid/never-pulled:1", volumeMounts: [{ name: "d", mountPath: "/d" }] }],
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "scratch" } }],
      },
    },
  });
  const volumeName = await waitFor(async () => {
    const claim = await core.readNamespacedPersistentVolumeClaim({ name: "scratch", namespace: ns.name });
    return claim.status?.phase === "Bound" && claim.spec?.volumeName;
  }, { what: "claim scratch to bind" });

  await core.deleteNamespacedPod({ name: "user", namespace: ns.name });
  await core.deleteNamespacedPersistentVolumeClaim({ name: "scratch", namespace: ns.name });
  await waitFor(async () => {
    const { items } = await core.listPersistentVolume();
    return !items.some((v) => v.metadata?.name === volumeName);
  }, { what: `volume ${volumeName} to be deleted` });
});

test("a Job's pod completes at once and the Job reports Complete", async () => {
  const batch = cluster.kubeConfig.makeApiClient(BatchV1Api);
  await batch.createNamespacedJob({
    namespace: ns.name,
    body: {
      metadata: { name: "migrate" },
      spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "registry.invalid/never-pulled:1" }] } } },
    },
  });
  const job = await waitFor(async () => {
    const j = await batch.readNamespacedJob({ name: "migrate", namespace: ns.name });
    return j.status?.conditions?.some((c) => c.type === "Complete" && c.status === "True") === true && j;
  }, { what: "Job migrate to complete" });
  expect(job.status?.succeeded).toBe(1);
});
