import { externalInstance, fullInstance, instance } from "../api/testing/examples.js";
import { parseConfig } from "../config/config.js";
import { testConfig } from "../config/testing/config.js";
import { desiredChildren } from "./desired.js";
import { testInputs } from "./testing/context.js";

const kindsAndNames = (objects: readonly { kind?: string; metadata?: { name?: string } }[]) => objects.map((o) => `${o.kind ?? ""}/${o.metadata?.name ?? ""}`);

describe("the desired children of an instance", () => {
  it("are every child, the Secret and volumes before the pods that need them", () => {
    const { objects, absent, problems } = desiredChildren(instance(), testConfig, testInputs);
    expect(problems).toEqual([]);
    expect(absent).toEqual([]);
    expect(kindsAndNames(objects)).toEqual([
      "Secret/acme-credentials",
      "PersistentVolumeClaim/acme-media",
      "Service/acme-db",
      "StatefulSet/acme-db",
      "NetworkPolicy/acme-db",
      `Job/${objects.find((o) => o.kind === "Job")?.metadata?.name ?? "missing"}`,
      "Service/acme-webapp",
      "Service/acme-coreapp",
      "Deployment/acme-webapp",
      "StatefulSet/acme-coreapp",
      "Deployment/acme-webhook",
      "NetworkPolicy/acme-webapp",
      "NetworkPolicy/acme-internal",
      "PodDisruptionBudget/acme-webapp",
      "PodDisruptionBudget/acme-coreapp",
    ]);
  });

  it("carry the instance's labels, namespace and a controlling owner reference", () => {
    const { objects } = desiredChildren(fullInstance, testConfig, testInputs);
    for (const o of objects) {
      expect(o.metadata?.namespace).toBe("waba-test");
      expect(o.metadata?.labels).toMatchObject({
        "app.kubernetes.io/name": "waba",
        "app.kubernetes.io/instance": "full",
        "app.kubernetes.io/managed-by": "waba-operator",
        "app.kubernetes.io/part-of": "waba",
      });
      expect(["webapp", "coreapp", "webhook", "database", "migrate", "media", "credentials"]).toContain(o.metadata?.labels?.["app.kubernetes.io/component"]);
      expect(o.metadata?.ownerReferences).toEqual([
        { apiVersion: "waba.dev/v1alpha1", kind: "WabaInstance", name: "full", uid: fullInstance.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(o.metadata?.name?.length).toBeLessThanOrEqual(63);
    }
  });

  it("leave the data without an owner under the Retain policy, so deleting the instance keeps it", () => {
    const { objects } = desiredChildren(instance(), testConfig, testInputs);
    const unowned = objects.filter((o) => !o.metadata?.ownerReferences).map((o) => `${o.kind ?? ""}/${o.metadata?.name ?? ""}`);
    expect(unowned).toEqual(["Secret/acme-credentials", "PersistentVolumeClaim/acme-media"]);
  });

  it("drop the managed database for an external one and list its objects as absent", () => {
    const { objects, absent } = desiredChildren(externalInstance, testConfig, testInputs);
    expect(kindsAndNames(objects).filter((n) => n.includes("-db"))).toEqual([]);
    expect(absent).toEqual([
      { apiVersion: "v1", kind: "Service", namespace: "waba-test", name: "external-db" },
      { apiVersion: "apps/v1", kind: "StatefulSet", namespace: "waba-test", name: "external-db" },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", namespace: "waba-test", name: "external-db" },
    ]);
  });

  it("are built from the region's own storage classes", () => {
    const config = parseConfig({
      ...testConfig,
      regions: { "eu-central-1": { nodeLabelValue: "eu", storageClassName: "eu-block", mediaStorageClassName: "eu-files" } },
    });
    const { objects } = desiredChildren(instance(), config, testInputs);
    const media = objects.find((o) => o.kind === "PersistentVolumeClaim");
    const db = objects.find((o) => o.kind === "StatefulSet" && o.metadata?.name === "acme-db");
    expect(media && "spec" in media ? media.spec : undefined).toMatchObject({ storageClassName: "eu-files" });
    expect(JSON.stringify(db)).toContain('"storageClassName":"eu-block"');
  });

  it("are nothing but problems for an unknown region or tier, naming the value and what is allowed", () => {
    const { objects, problems } = desiredChildren(instance({ region: "mars-1", tier: "gold" }), testConfig, testInputs);
    expect(objects).toEqual([]);
    expect(problems).toEqual([
      { field: "spec.tier", message: 'spec.tier "gold" is not a configured tier (allowed: basic, standard, enterprise)' },
      { field: "spec.region", message: 'spec.region "mars-1" is not a configured region (allowed: eu-central-1, me-central-1)' },
    ]);
  });

  it("refuse a storage class the region does not allow", () => {
    const { problems } = desiredChildren(instance({ media: { size: "1Gi", accessMode: "ReadWriteMany", storageClassName: "standard-me-central-1" } }), testConfig, testInputs);
    expect(problems).toEqual([
      { field: "spec.media.storageClassName", message: 'spec.media.storageClassName "standard-me-central-1" is not a storage class of region eu-central-1 (allowed: standard-eu-central-1)' },
    ]);
  });

  it("refuse resources whose request exceeds the limit once the spec's values replace the tier's", () => {
    const { problems } = desiredChildren(instance({ podTemplate: { resources: { webapp: { requests: { memory: "1Gi" } } } } }), testConfig, testInputs);
    expect(problems).toEqual([
      { field: "spec.podTemplate.resources.webapp", message: "spec.podTemplate.resources.webapp: the memory request 1Gi exceeds the limit 512Mi (tier standard gives the values the spec does not set)" },
    ]);
  });

  it("need a stored instance: name, namespace and uid", () => {
    const unsaved = { ...instance(), metadata: { name: "acme", namespace: "waba-test" } };
    expect(desiredChildren(unsaved, testConfig, testInputs).problems).toEqual([{ field: "metadata", message: "metadata.name, namespace and uid must be set (a stored object)" }]);
  });

  it("report a shard count the tier capped", () => {
    const { context } = desiredChildren(instance({ shards: 32 }), testConfig, testInputs);
    expect(context?.shards).toMatchObject({ shards: 8, requested: 32, capped: "spec.shards is 32, but tier standard allows at most 8 shards; running 8" });
  });
});
