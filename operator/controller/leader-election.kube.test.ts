// Two managers campaign for one Lease on the real API server: exactly one reconciles; when it
// dies the other takes over once the Lease expires; when it shuts down gracefully the other
// takes over at once; a leader that finds someone else in its Lease stops reconciling at once.
import { CoordinationV1Api, CoreV1Api, type V1ConfigMap } from "@kubernetes/client-node";
import type { Informer } from "./informer.js";
import { testCluster, useTestNamespace, waitFor } from "../../e2e/testing/cluster.js";
import { silentLogger } from "./logger.js";
import { Manager } from "./manager.js";
import { done } from "./reconcile.js";

interface Replica { manager: Manager; configMaps: Informer<V1ConfigMap>; reconciled: string[]; lost: number }

function replica(namespace: string, identity: string, timing: { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }): Replica {
  const reconciled: string[] = [];
  let lost = 0;
  const manager = new Manager({
    name: "election-test", identity, kubeConfig: testCluster().kubeConfig,
    leaderElection: { namespace, ...timing }, http: false, handleSignals: false, logger: silentLogger(),
    onLeadershipLost: () => { lost++; },
  });
  const configMaps = manager.informer<V1ConfigMap>({ path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: "test=election" });
  manager.controller({ name: "echo", reconcile: (key) => { reconciled.push(key); return Promise.resolve(done); } }).watch(configMaps);
  return { manager, configMaps, reconciled, get lost() { return lost; } };
}

const fast = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

describe("leader election between two managers", () => {
  const ns = useTestNamespace();
  const replicas: Replica[] = [];
  afterEach(async () => {
    await Promise.all(replicas.splice(0).map((r) => r.manager.stop()));
  });

  async function startTwo(timing = fast): Promise<[Replica, Replica]> {
    const a = replica(ns.name, "replica-a", timing);
    const b = replica(ns.name, "replica-b", timing);
    replicas.push(a, b);
    await Promise.all([a.manager.start(), b.manager.start()]);
    const leader = await waitFor(() => [a, b].find((r) => r.manager.isLeader()), { what: "a leader" });
    return [leader, leader === a ? b : a];
  }

  async function renewTimeAfter(renewals: number): Promise<void> {
    const leases = testCluster().kubeConfig.makeApiClient(CoordinationV1Api);
    const seen = new Set<string>();
    await waitFor(async () => {
      const lease = await leases.readNamespacedLease({ name: "election-test", namespace: ns.name });
      seen.add(String(lease.spec?.renewTime));
      return seen.size > renewals;
    }, { what: `${renewals} renewals of the Lease` });
  }

  it("lets exactly one of them reconcile", async () => {
    const [leader, follower] = await startTwo();
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "work", labels: { test: "election" } } } });
    await waitFor(() => leader.reconciled.includes(`${ns.name}/work`), { what: "the leader to reconcile" });
    await renewTimeAfter(3);
    expect(follower.manager.isLeader()).toBe(false);
    expect(follower.reconciled).toEqual([]);
    expect(follower.manager.ready()).toBe(true);
  });

  it("hands over to the other replica once the lease expires when the leader dies", async () => {
    const [leader, follower] = await startTwo();
    await renewTimeAfter(1);
    const died = Date.now();
    await leader.manager.elector!.stop({ release: false }); // stops renewing, keeps the Lease: a crash
    await waitFor(() => follower.manager.isLeader(), { what: "the follower to take over", timeoutMs: 20_000 });
    const tookOver = Date.now() - died;
    // Not before the Lease expired (the follower saw the last renewal at most one poll late), and
    // soon after: its own poll period, plus slack for a loaded machine.
    expect(tookOver).toBeGreaterThanOrEqual(fast.leaseDurationMs - 2 * fast.retryPeriodMs);
    expect(tookOver).toBeLessThanOrEqual(fast.leaseDurationMs + 3 * fast.retryPeriodMs + 4000);
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "after", labels: { test: "election" } } } });
    await waitFor(() => follower.reconciled.includes(`${ns.name}/after`), { what: "the new leader to reconcile" });
  });

  it("hands over at once, long before the lease would expire, when the leader shuts down gracefully", async () => {
    const [leader, follower] = await startTwo({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 1000 });
    const stopped = Date.now();
    await leader.manager.stop();
    await waitFor(() => follower.manager.isLeader(), { what: "the follower to take over", timeoutMs: 15_000 });
    expect(Date.now() - stopped).toBeLessThan(5000);
    const lease = await testCluster().kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ name: "election-test", namespace: ns.name });
    expect(lease.spec?.holderIdentity).toBe(follower.manager.elector!.identity);
    expect(lease.spec?.leaseTransitions).toBe(1);
  });

  it("stops reconciling at once when another holder shows up in the Lease", async () => {
    const [leader, follower] = await startTwo();
    await follower.manager.stop();
    const leases = testCluster().kubeConfig.makeApiClient(CoordinationV1Api);
    // Read, modify, replace: again when a renewal came in between (409 Conflict).
    await waitFor(async () => {
      const lease = await leases.readNamespacedLease({ name: "election-test", namespace: ns.name });
      lease.spec!.holderIdentity = "intruder";
      lease.spec!.leaseDurationSeconds = 60;
      return leases.replaceNamespacedLease({ name: "election-test", namespace: ns.name, body: lease });
    }, { what: "the intruder's write to the Lease" });
    await waitFor(() => leader.lost === 1, { what: "the leader to notice it lost the Lease", timeoutMs: 10_000 });
    expect(leader.manager.isLeader()).toBe(false);
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    const before = leader.reconciled.length;
    await core.createNamespacedConfigMap({ namespace: ns.name, body: { metadata: { name: "ignored", labels: { test: "election" } } } });
    await waitFor(() => leader.configMaps.get(ns.name, "ignored"), { what: "the informer to see the new ConfigMap" });
    expect(leader.reconciled.length).toBe(before);
  });
});
