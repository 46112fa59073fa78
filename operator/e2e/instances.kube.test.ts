// The operator, as a process, against a private control plane (kwok plays the kubelet): what a
// user sees after `kubectl apply` of a WabaInstance and every change they make afterwards. One
// operator process serves the whole file; each test uses namespaces of its own, all enforcing the
// restricted Pod Security level, so every Ready below is also "the pods were admitted". The last
// test measures a minute of idleness over every instance the file made.
import {
  AppsV1Api, BatchV1Api, CoreV1Api, EventsV1Api, NetworkingV1Api, PolicyV1Api, type KubernetesObject,
} from "@kubernetes/client-node";
import { waitFor } from "../../e2e/testing/cluster.js";
import type { WabaInstance } from "../api/types.js";
import { credentialKeys } from "../resources/credentials.js";
import { enableAuditLog, isWrite, type AuditLog } from "./testing/audit.js";
import { sum, writesExceptLeases, type OperatorProcess } from "./testing/operator-process.js";
import { Instances, operatorUser, startOperatorSuite, type OperatorSuite } from "./testing/suite.js";

let suite: OperatorSuite;
let audit: AuditLog;
let instances: Instances;
let operator: OperatorProcess;
let core: CoreV1Api;
let apps: AppsV1Api;
let batch: BatchV1Api;

beforeAll(async () => {
  suite = await startOperatorSuite();
  audit = await enableAuditLog(suite.cluster);
  instances = new Instances(suite.cluster);
  const kc = suite.cluster.kubeConfig;
  [core, apps, batch] = [kc.makeApiClient(CoreV1Api), kc.makeApiClient(AppsV1Api), kc.makeApiClient(BatchV1Api)];
  operator = suite.startOperator();
  await waitFor(() => operator.isLeader(), { what: "the operator to lead", timeoutMs: 60_000 });
}, 240_000);

afterAll(async () => {
  await suite.stop();
});

const label = (instance: string) => `app.kubernetes.io/instance=${instance}`;
const names = (objects: readonly KubernetesObject[]) => objects.map((o) => o.metadata?.name).sort();

/** Every child of an instance the operator manages, by kind/name, with its resourceVersion. */
async function childVersions(namespace: string, instance: string): Promise<Record<string, string>> {
  const kc = suite.cluster.kubeConfig;
  const labelSelector = `${label(instance)},app.kubernetes.io/managed-by=waba-operator`;
  const lists: [string, Promise<{ items: KubernetesObject[] }>][] = [
    ["Secret", core.listNamespacedSecret({ namespace, labelSelector })],
    ["Service", core.listNamespacedService({ namespace, labelSelector })],
    ["PersistentVolumeClaim", core.listNamespacedPersistentVolumeClaim({ namespace, labelSelector })],
    ["Deployment", apps.listNamespacedDeployment({ namespace, labelSelector })],
    ["StatefulSet", apps.listNamespacedStatefulSet({ namespace, labelSelector })],
    ["Job", batch.listNamespacedJob({ namespace, labelSelector })],
    ["NetworkPolicy", kc.makeApiClient(NetworkingV1Api).listNamespacedNetworkPolicy({ namespace, labelSelector })],
    ["PodDisruptionBudget", kc.makeApiClient(PolicyV1Api).listNamespacedPodDisruptionBudget({ namespace, labelSelector })],
  ];
  const out: Record<string, string> = {};
  for (const [kind, list] of lists) for (const o of (await list).items) out[`${kind}/${o.metadata?.name ?? ""}`] = o.metadata?.resourceVersion ?? "";
  return out;
}

async function reasonsOfEvents(namespace: string, name: string): Promise<string[]> {
  const { items } = await suite.cluster.kubeConfig.makeApiClient(EventsV1Api).listNamespacedEvent({ namespace, fieldSelector: `regarding.name=${name}` });
  return items.map((e) => `${e.reason ?? ""}: ${e.note ?? ""}`);
}

const condition = (i: WabaInstance, type: string) => i.status?.conditions?.find((c) => c.type === type);

describe("an instance applied with kubectl", () => {
  it("gets every child with the right spec, its pods pass the restricted level and become Ready, and its status says so", async () => {
    const ns = await suite.namespace("apply");
    const created = await instances.create(ns, "acme", { phoneNumber: "+15550000001", shards: 2 });
    const ready = await instances.waitForPhase(ns, "acme", "Ready");
    const uid = created.metadata.uid;

    expect(Object.keys(await childVersions(ns, "acme")).map((k) => k.replace(/-migrate-[0-9a-f]{8}$/, "-migrate-<hash>")).sort()).toEqual([
      "Deployment/acme-webapp", "Deployment/acme-webhook", "Job/acme-migrate-<hash>",
      "NetworkPolicy/acme-db", "NetworkPolicy/acme-internal", "NetworkPolicy/acme-webapp",
      "PersistentVolumeClaim/acme-media", "PersistentVolumeClaim/data-acme-db-0",
      "PodDisruptionBudget/acme-coreapp", "PodDisruptionBudget/acme-webapp",
      "Secret/acme-credentials", "Service/acme-coreapp", "Service/acme-db", "Service/acme-webapp",
      "StatefulSet/acme-coreapp", "StatefulSet/acme-db",
    ]);

    const coreapp = await apps.readNamespacedStatefulSet({ namespace: ns, name: "acme-coreapp" });
    expect(coreapp.spec).toMatchObject({ replicas: 3, podManagementPolicy: "Parallel", serviceName: "acme-coreapp" });
    expect(coreapp.metadata?.ownerReferences).toEqual([expect.objectContaining({ kind: "WabaInstance", name: "acme", uid, controller: true })]);
    const pod = coreapp.spec?.template.spec;
    expect(pod?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "topology.kubernetes.io/region", operator: "In", values: ["eu-central-1"] }] },
    ]);
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod?.containers[0]).toMatchObject({ image: "waba-runtime:dev", args: ["coreapp"], resources: { requests: { cpu: "100m", memory: "128Mi" } } });
    expect((await apps.readNamespacedDeployment({ namespace: ns, name: "acme-webapp" })).spec?.replicas).toBe(2);
    const database = await apps.readNamespacedStatefulSet({ namespace: ns, name: "acme-db" });
    expect(database.spec?.volumeClaimTemplates?.[0]?.spec?.storageClassName).toBe("standard-eu-central-1");
    const media = await core.readNamespacedPersistentVolumeClaim({ namespace: ns, name: "acme-media" });
    expect(media.spec?.storageClassName).toBe("standard-eu-central-1");
    expect(media.status?.phase).toBe("Bound");
    // Retain (the default): the data and its credentials outlive the instance, so they have no owner.
    expect(media.metadata?.ownerReferences).toBeUndefined();
    const secret = await core.readNamespacedSecret({ namespace: ns, name: "acme-credentials" });
    expect(Object.keys(secret.data ?? {}).sort()).toEqual([...credentialKeys].sort());
    expect(secret.metadata?.ownerReferences).toBeUndefined();
    const [job] = (await batch.listNamespacedJob({ namespace: ns, labelSelector: label("acme") })).items;
    expect(job?.status?.succeeded).toBe(1);

    const { items: pods } = await core.listNamespacedPod({ namespace: ns, labelSelector: label("acme") });
    const running = pods.filter((p) => p.metadata?.labels?.["app.kubernetes.io/component"] !== "migrate");
    expect(running).toHaveLength(2 + 3 + 1 + 1); // WebApps, CoreApps (2 shards + a spare), database, dispatcher
    for (const p of running) expect(p.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("True");

    expect(ready.status).toMatchObject({
      phase: "Ready", observedGeneration: ready.metadata.generation, desiredShards: 2, readyShards: 2, capacity: 20,
      endpoint: `http://acme-webapp.${ns}.svc`, credentialsSecret: "acme-credentials",
      selector: "app.kubernetes.io/name=waba,app.kubernetes.io/instance=acme,app.kubernetes.io/component=coreapp",
    });
    const conditions = Object.fromEntries((ready.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}`]));
    expect(conditions).toEqual({
      Ready: "True AllComponentsReady", Credentials: "True Ready", Database: "True Ready", Media: "True Bound",
      WebApp: "True Ready", CoreApp: "True Ready", Webhook: "True Ready", Migration: "True Succeeded", NumberConflict: "False Unique",
    });
    for (const c of ready.status?.conditions ?? []) expect(c.observedGeneration).toBe(ready.metadata.generation);
    // Events are recorded just after the status they follow.
    await waitFor(async () => (await reasonsOfEvents(ns, "acme")).includes("Ready: every component is ready"), { what: "the Ready Event" });
    expect(await reasonsOfEvents(ns, "acme")).toEqual(expect.arrayContaining([expect.stringMatching(/^Created: created Secret acme-credentials, /), "Ready: every component is ready"]));
  });

  it("follows kubectl scale and a new throughput to the right CoreApp count, bounded by the tier, and the status follows", async () => {
    const ns = await suite.namespace("scale");
    await Promise.all([
      instances.create(ns, "scaled", { phoneNumber: "+15550000011", shards: 1 }),
      instances.create(ns, "sized", { phoneNumber: "+15550000012", throughput: 10 }),
      instances.create(ns, "small", { phoneNumber: "+15550000013", tier: "basic" }),
    ]);
    await Promise.all(["scaled", "sized", "small"].map((n) => instances.waitForPhase(ns, n, "Ready")));
    const replicas = async (name: string) => (await apps.readNamespacedStatefulSet({ namespace: ns, name: `${name}-coreapp` })).spec?.replicas;

    await suite.cluster.kubectl(["scale", "wabainstance", "scaled", "-n", ns, "--replicas=8"]);
    await waitFor(async () => (await replicas("scaled")) === 9, { what: "9 CoreApps for 8 shards" });
    expect((await instances.waitForPhase(ns, "scaled", "Ready")).status).toMatchObject({ desiredShards: 8, readyShards: 8, capacity: 80 });

    await instances.patchSpec(ns, "sized", { throughput: 35 });
    await waitFor(async () => (await replicas("sized")) === 5, { what: "5 CoreApps for 35 messages/s at 10 per shard" });
    await instances.patchSpec(ns, "sized", { throughput: 500 });
    await waitFor(async () => (await replicas("sized")) === 9, { what: "the standard tier's 8 shards for 500 messages/s" });
    expect((await instances.waitForPhase(ns, "sized", "Ready")).status).toMatchObject({ desiredShards: 8, readyShards: 8, capacity: 80 });

    await suite.cluster.kubectl(["scale", "wabainstance", "small", "-n", ns, "--replicas=8"]);
    const capped = await waitFor(async () => {
      const i = await instances.get(ns, "small");
      return i.metadata.generation === i.status?.observedGeneration && i.status?.phase === "Ready" ? i : undefined;
    }, { what: "small to be Ready at its new generation" });
    expect(await replicas("small")).toBe(3);
    expect(capped.status).toMatchObject({ desiredShards: 2, readyShards: 2, capacity: 20 });
    expect(condition(capped, "CoreApp")?.message).toBe("2 shards served, 1 spare; spec.shards is 8, but tier basic allows at most 2 shards; running 2");
    await waitFor(async () => (await reasonsOfEvents(ns, "small")).includes("ShardsCapped: spec.shards is 8, but tier basic allows at most 2 shards; running 2"), { what: "the ShardsCapped Event" });
  });

  it("repairs a deleted child and a field someone edited within seconds", async () => {
    const ns = await suite.namespace("repair");
    await instances.create(ns, "mended", { phoneNumber: "+15550000021" });
    await instances.waitForPhase(ns, "mended", "Ready");
    const webhook = await apps.readNamespacedDeployment({ namespace: ns, name: "mended-webhook" });

    await apps.deleteNamespacedDeployment({ namespace: ns, name: "mended-webhook" });
    await waitFor(async () => (await apps.readNamespacedDeployment({ namespace: ns, name: "mended-webhook" })).metadata?.uid !== webhook.metadata?.uid,
      { what: "the deleted webhook Deployment to be created again", timeoutMs: 10_000 });

    await suite.cluster.kubectl(["scale", "statefulset", "mended-coreapp", "-n", ns, "--replicas=6"]);
    await suite.cluster.kubectl(["label", "service", "mended-webapp", "-n", ns, "app.kubernetes.io/component-"]);
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: "mended-coreapp" })).spec?.replicas === 2,
      { what: "the CoreApp StatefulSet back at 2 replicas", timeoutMs: 10_000 });
    await waitFor(async () => (await core.readNamespacedService({ namespace: ns, name: "mended-webapp" })).metadata?.labels?.["app.kubernetes.io/component"] === "webapp",
      { what: "the WebApp Service's label back", timeoutMs: 10_000 });
    await instances.waitForPhase(ns, "mended", "Ready");
    expect(await reasonsOfEvents(ns, "mended")).toEqual(expect.arrayContaining([
      "Created: created Deployment mended-webhook",
      expect.stringMatching(/^Repaired: repaired (StatefulSet mended-coreapp \(spec\.replicas differed\)|Service mended-webapp)/),
    ]));
  });

  it("is Failed with a condition naming an unknown region or tier and the allowed ones, and gets no child", async () => {
    const ns = await suite.namespace("invalid");
    await instances.create(ns, "mars", { phoneNumber: "+15550000031", region: "mars-1" });
    await instances.create(ns, "gold", { phoneNumber: "+15550000032", tier: "gold" });
    const mars = await instances.waitForPhase(ns, "mars", "Failed");
    const gold = await instances.waitForPhase(ns, "gold", "Failed");
    expect(condition(mars, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec", message: 'spec.region "mars-1" is not a configured region (allowed: eu-central-1, me-central-1)' });
    expect(condition(gold, "Ready")).toMatchObject({ status: "False", reason: "InvalidSpec", message: 'spec.tier "gold" is not a configured tier (allowed: basic, standard, enterprise)' });
    expect(await childVersions(ns, "mars")).toEqual({});
    expect(await childVersions(ns, "gold")).toEqual({});
  });

  it("leaves a second instance with a number in use (webhook not registered) unreconciled with a conflict, the first untouched, until the first is gone", async () => {
    const [nsA, nsB] = [await suite.namespace("first"), await suite.namespace("second")];
    await instances.create(nsA, "first", { phoneNumber: "+15550000041" });
    await instances.waitForPhase(nsA, "first", "Ready");
    // Untouched by the operator (its children's status may still change: the controllers write it).
    const since = new Date();

    await instances.create(nsB, "second", { phoneNumber: "+15550000041" });
    const second = await instances.waitForPhase(nsB, "second", "Failed");
    expect(condition(second, "NumberConflict")).toMatchObject({
      status: "True", reason: "DuplicateNumber", message: `+15550000041 is already served by WabaInstance ${nsA}/first; this one is not reconciled`,
    });
    expect(condition(second, "Ready")).toMatchObject({ status: "False", reason: "NumberConflict" });
    expect(await childVersions(nsB, "second")).toEqual({});
    expect(audit.requestsBy(operatorUser, since).filter((e) => isWrite(e) && e.objectRef?.namespace === nsA && e.objectRef.resource !== "events")).toEqual([]);

    await instances.delete(nsA, "first");
    const proceeding = await instances.waitForPhase(nsB, "second", "Ready");
    expect(condition(proceeding, "NumberConflict")).toMatchObject({ status: "False", reason: "Unique" });
  });

  it("writes nothing for a paused instance, even to repair it, and repairs it once unpaused", async () => {
    const ns = await suite.namespace("paused");
    await instances.create(ns, "resting", { phoneNumber: "+15550000051" });
    await instances.waitForPhase(ns, "resting", "Ready");
    await instances.patchSpec(ns, "resting", { paused: true });
    await instances.waitForPhase(ns, "resting", "Paused");
    // The pause's own Event is written just after its status: wait for it, it is not a repair.
    await waitFor(async () => (await reasonsOfEvents(ns, "resting")).some((r) => r.startsWith("Paused:")), { what: "the Paused Event" });
    const since = new Date();
    const reconciles = sum(await operator.metrics(), "operator_reconcile_total");

    await apps.deleteNamespacedDeployment({ namespace: ns, name: "resting-webhook" });
    await suite.cluster.kubectl(["scale", "statefulset", "resting-coreapp", "-n", ns, "--replicas=5"]);
    // The operator saw both changes (each queues the instance) and wrote nothing for it.
    await waitFor(async () => sum(await operator.metrics(), "operator_reconcile_total") >= reconciles + 3, { what: "reconciles of the paused instance" });
    await waitFor(async () => (await operator.metrics()).get('operator_workqueue_depth{name="wabainstance"}') === 0, { what: "an empty work queue" });
    expect(audit.requestsBy(operatorUser, since).filter((e) => isWrite(e) && e.objectRef?.namespace === ns)).toEqual([]);
    expect((await apps.listNamespacedDeployment({ namespace: ns, labelSelector: "app.kubernetes.io/component=webhook" })).items).toEqual([]);
    expect((await apps.readNamespacedStatefulSet({ namespace: ns, name: "resting-coreapp" })).spec?.replicas).toBe(5);

    await instances.patchSpec(ns, "resting", { paused: false });
    // Children are applied one after another: the dispatcher may be re-created after the CoreApps are seen repaired.
    await waitFor(async () => (await apps.readNamespacedStatefulSet({ namespace: ns, name: "resting-coreapp" })).spec?.replicas === 2, { what: "the CoreApps repaired" });
    await waitFor(() => apps.readNamespacedDeployment({ namespace: ns, name: "resting-webhook" }), { what: "the webhook dispatcher re-created" });
    await instances.waitForPhase(ns, "resting", "Ready");
  });

  it("keeps the volumes and credentials of a deleted instance under Retain and removes them under Delete", async () => {
    const ns = await suite.namespace("deletion");
    await instances.create(ns, "keeper", { phoneNumber: "+15550000061" });
    await instances.create(ns, "cleaner", { phoneNumber: "+15550000062", persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" } });
    await Promise.all(["keeper", "cleaner"].map((n) => instances.waitForPhase(ns, n, "Ready")));
    await instances.delete(ns, "keeper");
    await instances.delete(ns, "cleaner");

    const remaining = async (instance: string) => Object.keys(await childVersions(ns, instance)).sort();
    await waitFor(async () => (await remaining("cleaner")).length === 0, { what: "every child of cleaner to be gone", timeoutMs: 60_000 });
    await waitFor(async () => (await remaining("keeper")).every((k) => /^(PersistentVolumeClaim|Secret)\//.test(k)), { what: "keeper's workloads to be gone", timeoutMs: 60_000 });
    expect(await remaining("keeper")).toEqual(["PersistentVolumeClaim/data-keeper-db-0", "PersistentVolumeClaim/keeper-media", "Secret/keeper-credentials"]);
    expect(names((await core.listNamespacedPersistentVolumeClaim({ namespace: ns })).items)).toEqual(["data-keeper-db-0", "keeper-media"]);
  });
});

describe("an operator with nothing to do", () => {
  it("makes no write request in a full minute with every instance of this file settled and ten more Ready (client and server side)", async () => {
    const namespaces = [await suite.namespace("idle"), await suite.namespace("idle")];
    const made = Array.from({ length: 10 }, (_, i) => ({ ns: namespaces[i % 2] ?? "", name: `idle-${i}` }));
    await Promise.all(made.map(({ ns, name }, i) => instances.create(ns, name, { phoneNumber: `+1555000010${i}`, shards: 1 + (i % 2) })));
    await Promise.all(made.map(({ ns, name }) => instances.waitForPhase(ns, name, "Ready", 120_000)));
    // Settled: no write for 5 s (the last statuses and Events of the convergence), and no count of
    // a repeated Event waiting for its deferred write (the unpaused instance above was Ready again).
    let last = writesExceptLeases(await operator.metrics());
    let quietSince = Date.now();
    await waitFor(async () => {
      const metrics = await operator.metrics();
      const now = writesExceptLeases(metrics);
      if (now !== last || sum(metrics, "operator_events_pending_series") > 0) [last, quietSince] = [now, Date.now()];
      return Date.now() - quietSince >= 5000;
    }, { what: "the operator to stop writing", timeoutMs: 90_000, intervalMs: 500 });

    const since = new Date();
    const before = await operator.metrics();
    await new Promise((resolve) => setTimeout(resolve, 60_000)); // the measured minute itself, not a wait for a condition
    const after = await operator.metrics();

    const serverSide = audit.requestsBy(operatorUser, since).filter((e) => e.objectRef?.resource !== "leases" && e.verb !== "watch");
    expect(serverSide.map((e) => `${e.verb} ${e.objectRef?.resource ?? ""}/${e.objectRef?.subresource ?? ""} ${e.objectRef?.namespace ?? ""}/${e.objectRef?.name ?? ""}`)).toEqual([]);
    expect(writesExceptLeases(after) - writesExceptLeases(before)).toBe(0);
    const reads = (m: typeof after) => sum(m, "operator_api_requests_total", (l) => l.verb !== "watch" && l.resource !== "leases");
    expect(reads(after) - reads(before)).toBe(0);
    expect(audit.requestsBy(operatorUser, since).filter((e) => e.objectRef?.resource === "leases" && isWrite(e)).length).toBeGreaterThan(0); // the log does see the operator
  }, 240_000);
});
