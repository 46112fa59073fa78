// Server-side apply, Events and request accounting against the real API server.
import { ApiextensionsV1Api, CoreV1Api, EventsV1Api, type KubernetesObject } from "@kubernetes/client-node";
import { randomBytes } from "node:crypto";
import { testCluster, useTestNamespace, waitFor } from "../../e2e/testing/cluster.js";
import { Applier } from "./apply.js";
import { KubeClient } from "./client.js";
import { EventRecorder, apiEventSink } from "./events.js";
import { OperatorMetrics } from "./metrics.js";

function setup() {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const client = new KubeClient({ kubeConfig: testCluster().kubeConfig, metrics });
  return { metrics, client, applier: new Applier(client, "apply-test") };
}

async function requests(metrics: OperatorMetrics): Promise<string[]> {
  return (await metrics.apiRequests.get()).values
    .map((v) => `${String(v.labels.verb)} ${String(v.labels.resource)} ${String(v.labels.code)} x${v.value}`).sort();
}

const configMap = (namespace: string, v: string): KubernetesObject & { data: Record<string, string> } => ({
  apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied", namespace, labels: { app: "x" } }, data: { v },
});

describe("server-side apply", () => {
  const ns = useTestNamespace();

  it("creates, then writes nothing when nothing changed, then updates; and counts each request", async () => {
    const { applier, metrics, client } = setup();
    try {
      const first = await applier.apply(configMap(ns.name, "1"));
      expect(first.outcome).toBe("created");
      const second = await applier.apply(configMap(ns.name, "1"), first.object);
      expect(second.outcome).toBe("unchanged");
      expect(second.object.metadata?.resourceVersion).toBe(first.object.metadata?.resourceVersion);
      const third = await applier.apply(configMap(ns.name, "2"), second.object);
      expect(third.outcome).toBe("updated");
      expect(third.object.data).toEqual({ v: "2" });
      // Typed client-node APIs made by the client are counted too.
      const read = await client.api(CoreV1Api).readNamespacedConfigMap({ namespace: ns.name, name: "applied" });
      expect(read.data).toEqual({ v: "2" });
      await expect(client.api(CoreV1Api).readNamespacedConfigMap({ namespace: ns.name, name: "missing" })).rejects.toMatchObject({ code: 404 });
      expect(await requests(metrics)).toEqual([
        "apply configmaps 200 x2",
        "apply configmaps 201 x1",
        "get configmaps 200 x1",
        "get configmaps 404 x1",
        "list discovery 200 x1",
      ]);
    } finally {
      client.close();
    }
  });

  it("takes back a field another manager changed, and removes a field it stopped applying", async () => {
    const { applier, client } = setup();
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    try {
      await applier.apply({ ...configMap(ns.name, "mine"), data: { v: "mine", extra: "1" } });
      await client.request("PATCH", `/api/v1/namespaces/${ns.name}/configmaps/applied`, {
        query: { fieldManager: "someone-else" }, body: { data: { v: "theirs" } }, contentType: "application/merge-patch+json",
      });
      expect((await core.readNamespacedConfigMap({ name: "applied", namespace: ns.name })).data?.v).toBe("theirs");
      const { object } = await applier.apply(configMap(ns.name, "mine"));
      expect(object.data).toEqual({ v: "mine" });
    } finally {
      client.close();
    }
  });

  it("refuses an object without a name before sending anything", async () => {
    const { applier, metrics, client } = setup();
    const nameless = { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: ns.name } } as KubernetesObject;
    await expect(applier.apply(nameless)).rejects.toThrow("cannot apply a ConfigMap without metadata.name");
    expect(await requests(metrics)).toEqual([]);
    client.close();
  });

  it("applies and merge-patches the status subresource of a custom resource", async () => {
    const ext = testCluster().kubeConfig.makeApiClient(ApiextensionsV1Api);
    const group = `t${randomBytes(4).toString("hex")}.controller-test.waba.dev`;
    const crdName = `gadgets.${group}`;
    await ext.createCustomResourceDefinition({ body: {
      metadata: { name: crdName },
      spec: {
        group, scope: "Namespaced", names: { plural: "gadgets", singular: "gadget", kind: "Gadget", listKind: "GadgetList" },
        versions: [{ name: "v1", served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: {
          type: "object", properties: {
            spec: { type: "object", properties: { size: { type: "integer" } } },
            status: { type: "object", properties: { phase: { type: "string" }, observedGeneration: { type: "integer" } } },
          },
        } } }],
      },
    } });
    const { applier, client } = setup();
    try {
      const gadget: KubernetesObject = { apiVersion: `${group}/v1`, kind: "Gadget", metadata: { name: "g1", namespace: ns.name } };
      // The CRD needs a moment to be served; discovery is refreshed when the kind is missing.
      const created = await waitFor(() => applier.apply({ ...gadget, spec: { size: 3 } }), { what: "the Gadget CRD to be served" });
      const withStatus = await applier.applyStatus({ ...gadget, status: { phase: "Ready", observedGeneration: 1 } });
      expect((withStatus.object as { status?: unknown }).status).toEqual({ phase: "Ready", observedGeneration: 1 });
      expect((withStatus.object as { spec?: unknown }).spec).toEqual({ size: 3 });
      const again = await applier.applyStatus({ ...gadget, status: { phase: "Ready", observedGeneration: 1 } }, withStatus.object);
      expect(again.outcome).toBe("unchanged");
      const stale = created.object.metadata!.resourceVersion!;
      await expect(applier.mergeStatus(gadget, { phase: "Failed" }, stale)).rejects.toMatchObject({ code: 409 });
      const merged = await applier.mergeStatus<KubernetesObject & { status?: { phase?: string } }>(gadget, { phase: "Failed" }, again.object.metadata!.resourceVersion);
      expect(merged.status?.phase).toBe("Failed");
    } finally {
      client.close();
      await ext.deleteCustomResourceDefinition({ name: crdName });
    }
  });
});

describe("Events on the API server", () => {
  const ns = useTestNamespace();

  it("are accepted as written, and repeats fold into the first Event's series", async () => {
    const { client, metrics } = setup();
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    const regarding = await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "subject" } } });
    const recorder = new EventRecorder(apiEventSink(client), {
      reportingController: "waba.dev/controller-test", reportingInstance: "test-0", seriesIntervalMs: 200, metrics,
    });
    try {
      for (let i = 0; i < 5; i++) recorder.record({ regarding: { apiVersion: "v1", kind: "ConfigMap", metadata: regarding.metadata }, type: "Warning", reason: "Broken", action: "Check", note: "it is broken" });
      const events = testCluster().kubeConfig.makeApiClient(EventsV1Api);
      const event = await waitFor(async () => {
        const list = await events.listNamespacedEvent({ namespace: ns.name });
        return list.items.length === 1 && list.items[0]!.series?.count === 5 ? list.items[0] : undefined;
      }, { what: "one Event with a series of 5" });
      expect(event).toMatchObject({ reason: "Broken", action: "Check", note: "it is broken", type: "Warning", reportingController: "waba.dev/controller-test" });
      expect(event.regarding).toMatchObject({ kind: "ConfigMap", name: "subject", uid: regarding.metadata!.uid });
      await recorder.flush();
      expect(await requests(metrics)).toEqual(["create events 201 x1", "patch events 200 x1"]);
    } finally {
      client.close();
    }
  });
});
