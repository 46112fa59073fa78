// The operator when things go wrong, on a private control plane: killed in the middle of its work,
// its API server restarted under it, and run as two replicas of which one dies.
import { AppsV1Api, CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { waitFor } from "../../e2e/testing/cluster.js";
import { KubeClient, OperatorMetrics } from "../controller/index.js";
import { createCredentials } from "../reconciler/credentials.js";
import { sum, writesExceptLeases, type OperatorProcess } from "./testing/operator-process.js";
import { Instances, startOperatorSuite, type OperatorSuite } from "./testing/suite.js";

let suite: OperatorSuite;
let instances: Instances;
let core: CoreV1Api;
let apps: AppsV1Api;
const running: OperatorProcess[] = [];

beforeAll(async () => {
  suite = await startOperatorSuite();
  instances = new Instances(suite.cluster);
  core = suite.cluster.kubeConfig.makeApiClient(CoreV1Api);
  apps = suite.cluster.kubeConfig.makeApiClient(AppsV1Api);
}, 240_000);

afterEach(async () => {
  await Promise.all(running.splice(0).map((o) => o.stop()));
});

afterAll(async () => {
  await suite.stop();
});

function start(identity: string, args: readonly string[] = []): OperatorProcess {
  const operator = suite.startOperator(identity, args);
  running.push(operator);
  return operator;
}

/** Names of an instance's objects of every kind it has (children and the ReplicaSets/pods the controllers make). */
async function objectsOf(namespace: string, instance: string): Promise<string[]> {
  const { stdout } = await suite.cluster.kubectl(["get", "all,secrets,pvc,networkpolicies,pdb", "-n", namespace, "-l", `app.kubernetes.io/instance=${instance}`, "-o", "name"]);
  return stdout.split("\n").filter((l) => l && !l.startsWith("pod/")).sort();
}

// Short enough for a quick hand-over, long enough that a slow moment of a loaded machine does not
// move leadership while the test counts which replica reconciled.
const fast = ["--lease-duration", "8", "--renew-deadline", "6", "--retry-period", "1"];

describe("an operator that fails", () => {
  it("converges after a SIGKILL in the middle of building instances: nothing twice, credentials unchanged, no pod rolled", async () => {
    const ns = await suite.namespace("killed");
    const names = ["one", "two", "three"];
    // One write a second: the three instances' 50-odd writes take most of a minute.
    const slow = start("slow", ["--write-qps", "1", "--write-burst", "1"]);
    await Promise.all(names.map((name, i) => instances.create(ns, name, { phoneNumber: `+1555000020${i}` })));
    const secrets = await waitFor(async () => {
      const { items } = await core.listNamespacedSecret({ namespace: ns, labelSelector: "app.kubernetes.io/component=credentials" });
      return items.length >= 2 ? items : undefined;
    }, { what: "two credentials Secrets", timeoutMs: 60_000 });
    await slow.kill();
    const children = (await Promise.all(names.map((n) => objectsOf(ns, n)))).flat();
    expect(children.length).toBeLessThan(3 * 16); // killed before it was done

    start("restarted");
    await Promise.all(names.map((n) => instances.waitForPhase(ns, n, "Ready", 90_000)));
    for (const before of secrets) {
      const after = await core.readNamespacedSecret({ namespace: ns, name: before.metadata?.name ?? "" });
      expect(after.data).toEqual(before.data);
    }
    for (const name of names) {
      const objects = await objectsOf(ns, name);
      const generic = objects.map((o) => o.replace(/-migrate-[0-9a-f]{8}$/, "-migrate-<hash>").replace(/^(replicaset\.apps\/.*)-[a-z0-9]{5,10}$/, "$1-<hash>"));
      expect(generic).toEqual([
        `deployment.apps/${name}-webapp`, `deployment.apps/${name}-webhook`,
        `job.batch/${name}-migrate-<hash>`,
        `networkpolicy.networking.k8s.io/${name}-db`, `networkpolicy.networking.k8s.io/${name}-internal`, `networkpolicy.networking.k8s.io/${name}-webapp`,
        `persistentvolumeclaim/${name}-media`, `persistentvolumeclaim/data-${name}-db-0`,
        `poddisruptionbudget.policy/${name}-coreapp`, `poddisruptionbudget.policy/${name}-webapp`,
        // One ReplicaSet per Deployment: the restart changed no pod template (the inputs hash covers the credentials).
        `replicaset.apps/${name}-webapp-<hash>`, `replicaset.apps/${name}-webhook-<hash>`,
        `secret/${name}-credentials`,
        `service/${name}-coreapp`, `service/${name}-db`, `service/${name}-webapp`,
        `statefulset.apps/${name}-coreapp`, `statefulset.apps/${name}-db`,
      ].sort());
    }
  });

  it("keeps the credentials already there when its create loses a race", async () => {
    const ns = await suite.namespace("race");
    const client = new KubeClient({ kubeConfig: suite.cluster.kubeConfig, metrics: new OperatorMetrics({ defaultMetrics: false }) });
    const secret = (value: string): V1Secret => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "raced-credentials", namespace: ns }, data: { "api-key": Buffer.from(value).toString("base64") } });
    try {
      expect(await createCredentials(client, secret("first"), "waba-operator")).toMatchObject({ created: true });
      const second = await createCredentials(client, secret("second"), "waba-operator");
      expect(second.created).toBe(false);
      expect(second.secret.data).toEqual(secret("first").data);
    } finally {
      client.close();
    }
  });

  it("recovers from an API server restart without being restarted", async () => {
    const ns = await suite.namespace("outage");
    // A renew deadline longer than the outage: the operator keeps its leadership through it.
    const operator = start("steady", ["--lease-duration", "60", "--renew-deadline", "45", "--retry-period", "2"]);
    await instances.create(ns, "steady", { phoneNumber: "+15550000301" });
    await instances.waitForPhase(ns, "steady", "Ready");
    const pid = operator.pid;

    await suite.cluster.restartApiServer();

    const webhook = await waitFor(() => apps.readNamespacedDeployment({ namespace: ns, name: "steady-webhook" }), { what: "the API server back" });
    await apps.deleteNamespacedDeployment({ namespace: ns, name: "steady-webhook" });
    await waitFor(async () => (await apps.readNamespacedDeployment({ namespace: ns, name: "steady-webhook" })).metadata?.uid !== webhook.metadata?.uid,
      { what: "the deleted Deployment repaired after the restart", timeoutMs: 30_000 });
    await instances.create(ns, "after", { phoneNumber: "+15550000302" });
    await instances.waitForPhase(ns, "after", "Ready");
    expect(operator.running).toBe(true);
    expect(operator.pid).toBe(pid);
    expect(sum(await operator.metrics(), "operator_informer_restarts_total", (l) => l.reason === "error")).toBeGreaterThan(0);
  });

  it("runs as two replicas of which exactly one reconciles, and the other takes over when it is killed", async () => {
    const ns = await suite.namespace("replicas");
    const [a, b] = [start("replica-a", fast), start("replica-b", fast)];
    const leader = await waitFor(async () => {
      const [la, lb] = [await a.isLeader(), await b.isLeader()];
      return la !== lb ? (la ? a : b) : undefined;
    }, { what: "exactly one leader", timeoutMs: 30_000 });
    const follower = leader === a ? b : a;
    await instances.create(ns, "duo", { phoneNumber: "+15550000401" });
    await instances.waitForPhase(ns, "duo", "Ready");
    const followerMetrics = await follower.metrics();
    expect(sum(followerMetrics, "operator_reconcile_total")).toBe(0);
    expect(writesExceptLeases(followerMetrics)).toBe(0);
    expect(sum(followerMetrics, "operator_informer_synced")).toBeGreaterThan(0); // warm: its caches are full

    await leader.kill();
    await waitFor(() => follower.isLeader(), { what: "the follower to take over", timeoutMs: 30_000 });
    await apps.deleteNamespacedDeployment({ namespace: ns, name: "duo-webhook" });
    await waitFor(() => apps.readNamespacedDeployment({ namespace: ns, name: "duo-webhook" }), { what: "the new leader to repair the instance", timeoutMs: 20_000 });
    expect(sum(await follower.metrics(), "operator_reconcile_total")).toBeGreaterThan(0);
  });
});
