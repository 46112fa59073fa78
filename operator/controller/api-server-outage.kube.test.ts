// What the runtime does when the API server goes away, on a private cluster whose API server
// the tests stop and restart (the shared cluster is not disturbed).
import { CoordinationV1Api, CoreV1Api, type V1ConfigMap } from "@kubernetes/client-node";
import { startPrivateCluster, waitFor, type PrivateCluster } from "../../e2e/testing/cluster.js";
import { silentLogger } from "./logger.js";
import { Manager } from "./manager.js";
import { done } from "./reconcile.js";
import { LABEL, restarts, startInformer } from "./testing/informers.js";

describe("a private cluster whose API server goes away", () => {
  let cluster: PrivateCluster | undefined;
  beforeAll(async () => { cluster = await startPrivateCluster(); });
  afterAll(async () => { await cluster?.stop(); });

  it("an informer keeps retrying while the API server is down, relists after 410 Gone and catches up when it is back, without a restart", async () => {
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

  it("a leader that cannot renew stops reconciling before its Lease expires", async () => {
    const c = cluster!;
    const timing = { leaseDurationMs: 6000, renewDeadlineMs: 3000, retryPeriodMs: 500 };
    let lostAt = 0;
    const manager = new Manager({
      name: "outage-test", kubeConfig: c.kubeConfig, leaderElection: { namespace: "default", ...timing },
      http: false, handleSignals: false, logger: silentLogger(), onLeadershipLost: () => { lostAt = Date.now(); },
    });
    let reconciles = 0;
    const cms = manager.informer<V1ConfigMap>({ path: "/api/v1/namespaces/default/configmaps", labelSelector: `${LABEL}=leader-outage` });
    manager.controller({ name: "count", reconcile: () => { reconciles++; return Promise.resolve(done); } }).watch(cms);
    try {
      await manager.start();
      await waitFor(() => manager.isLeader(), { what: "the manager to lead" });
      const stoppedAt = Date.now();
      await c.stopApiServer();
      await waitFor(() => lostAt > 0, { what: "the leader to give up", timeoutMs: 20_000 });
      expect(manager.isLeader()).toBe(false);
      expect(lostAt - stoppedAt).toBeGreaterThanOrEqual(timing.renewDeadlineMs - 2 * timing.retryPeriodMs);
      await c.startApiServer();
      // The Lease as last renewed: it was still valid when the leader gave up, so no other
      // replica could have been leading at the same time.
      const lease = await c.kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace: "default", name: "outage-test" });
      expect(lostAt).toBeLessThan(new Date(lease.spec!.renewTime!).getTime() + timing.leaseDurationMs);
      // And it reconciles nothing any more.
      const before = reconciles;
      await c.kubeConfig.makeApiClient(CoreV1Api).createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "after-loss", labels: { [LABEL]: "leader-outage" } } } });
      await waitFor(() => cms.get("default", "after-loss"), { what: "the informer to see a new ConfigMap" });
      expect(reconciles).toBe(before);
    } finally {
      await manager.stop();
    }
  });
});
