// The informer against a real API server: it caches exactly the labelled objects, tells
// handlers about every change, indexes children by owner, and survives API server restarts.
import { CoreV1Api, type KubeConfig, type V1ConfigMap } from "@kubernetes/client-node";
import { startPrivateCluster, testCluster, useTestNamespace, waitFor, type PrivateCluster } from "../../e2e/testing/cluster.js";
import { KubeClient } from "./client.js";
import { Informer } from "./informer.js";
import { OperatorMetrics } from "./metrics.js";

const LABEL = "app.kubernetes.io/managed-by";

function startInformer(kubeConfig: KubeConfig, path: string, labelSelector: string) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const client = new KubeClient({ kubeConfig, metrics });
  // Pages of one object, so every list here is paginated.
  const informer = new Informer<V1ConfigMap>({ path, labelSelector, pageSize: 1, backoff: { initialMs: 100, maxMs: 1000 } }, { client, metrics });
  const seen: string[] = [];
  informer.addHandlers({
    add: (o) => seen.push(`add ${o.metadata!.name}`),
    update: (o, old) => seen.push(`update ${o.metadata!.name} ${old.data?.v ?? ""}->${o.data?.v ?? ""}`),
    delete: (o) => seen.push(`delete ${o.metadata!.name}`),
  });
  informer.start();
  return { informer, seen, metrics, client };
}

async function restarts(metrics: OperatorMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.informerRestarts.get()).values) out[String(v.labels.reason)] = v.value;
  return out;
}

describe("an informer on the shared cluster", () => {
  const ns = useTestNamespace();

  it("caches and reports add, update and delete of the ConfigMaps matching its label selector only", async () => {
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    const namespace = ns.name;
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "before", labels: { [LABEL]: "informer-test" } }, data: { v: "0" } } });
    const { informer, seen } = startInformer(testCluster().kubeConfig, `/api/v1/namespaces/${namespace}/configmaps`, `${LABEL}=informer-test`);
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      expect(informer.hasSynced()).toBe(true);
      expect(informer.get(namespace, "before")?.kind).toBe("ConfigMap");

      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "ours", labels: { [LABEL]: "informer-test" } }, data: { v: "1" } } });
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "not-ours", labels: { [LABEL]: "someone-else" } }, data: { v: "1" } } });
      await core.patchNamespacedConfigMap({ namespace, name: "ours", body: [{ op: "replace", path: "/data/v", value: "2" }] });
      await core.deleteNamespacedConfigMap({ namespace, name: "before" });

      await waitFor(() => seen.includes("delete before"), { what: "the informer to see the delete" });
      expect(seen).toEqual(["add before", "add ours", "update ours 1->2", "delete before"]);
      expect(informer.list(namespace).map((o) => o.metadata!.name)).toEqual(["ours"]);
      expect(informer.get(namespace, "ours")?.data).toEqual({ v: "2" });
      expect(informer.get(namespace, "not-ours")).toBeUndefined();
    } finally {
      await informer.stop();
    }
  });

  it("finds the children of an owner through the owner index", async () => {
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    const namespace = ns.name;
    const owner = await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "owner" } } });
    const ownerReferences = [{ apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.metadata!.uid!, controller: true }];
    for (const name of ["child-a", "child-b"]) {
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name, labels: { [LABEL]: "informer-test" }, ownerReferences } } });
    }
    const { informer } = startInformer(testCluster().kubeConfig, "/api/v1/configmaps", `${LABEL}=informer-test`);
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      expect(informer.byOwner(owner.metadata!.uid!).map((o) => o.metadata!.name).sort()).toEqual(["child-a", "child-b"]);
    } finally {
      await informer.stop();
    }
  });
});

describe("an informer on a private cluster whose API server goes away", () => {
  let cluster: PrivateCluster | undefined;
  beforeAll(async () => { cluster = await startPrivateCluster(); });
  afterAll(async () => { await cluster?.stop(); });

  it("keeps retrying while the API server is down, relists after 410 Gone and catches up when it is back, without a restart", async () => {
    const c = cluster!;
    const core = c.kubeConfig.makeApiClient(CoreV1Api);
    const { informer, seen, metrics, client } = startInformer(c.kubeConfig, "/api/v1/namespaces/default/configmaps", `${LABEL}=outage`);
    try {
      await informer.waitForSync(AbortSignal.timeout(30_000));
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "first", labels: { [LABEL]: "outage" } } } });
      await waitFor(() => seen.includes("add first"), { what: "the first ConfigMap" });
      // A write the informer does not see moves the cluster past the informer's resourceVersion,
      // so the restarted API server's fresh watch cache answers its watch with 410 Gone.
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "unseen" } } });

      await c.stopApiServer();
      await waitFor(async () => ((await restarts(metrics)).error ?? 0) >= 2, { what: "the informer to fail to reconnect at least twice" });
      await c.startApiServer();
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "after-outage", labels: { [LABEL]: "outage" } } } });
      await waitFor(() => seen.includes("add after-outage"), { what: "the informer to see a ConfigMap made after the outage", timeoutMs: 60_000 });

      await c.restartApiServer();
      await core.deleteNamespacedConfigMap({ namespace: "default", name: "first" });
      await waitFor(() => seen.includes("delete first"), { what: "the informer to see a delete after a restart", timeoutMs: 60_000 });
      expect(informer.list().map((o) => o.metadata!.name)).toEqual(["after-outage"]);
      const watchCodes = (await metrics.apiRequests.get()).values.filter((v) => v.labels.verb === "watch").map((v) => String(v.labels.code));
      expect(watchCodes).toContain("error");
      expect((await restarts(metrics)).gone).toBeGreaterThanOrEqual(1); // relisted after 410 Gone
    } finally {
      await informer.stop();
      client.close();
    }
  });
});
