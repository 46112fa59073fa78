// The informer against a real API server: it caches exactly the labelled objects, tells
// handlers about every change and indexes children by owner. (Outages: api-server-outage.kube.test.ts.)
import { CoreV1Api } from "@kubernetes/client-node";
import { testCluster, useTestNamespace, waitFor } from "../../e2e/testing/cluster.js";
import { LABEL, startInformer } from "./testing/informers.js";

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
