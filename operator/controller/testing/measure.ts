// Figures of the runtime on a private local cluster (started and stopped here):
//   1. informer sync of N labelled ConfigMaps (plus N unlabelled ones it must not cache):
//      time and list requests;
//   2. a leader manager with that informer and a no-op controller, idle for IDLE_SECONDS:
//      every request it made, by verb and resource.
//   node --import tsx operator/controller/testing/measure.ts [N=2000] [IDLE_SECONDS=60]
import { CoreV1Api, type V1ConfigMap } from "@kubernetes/client-node";
import { startPrivateCluster } from "../../../e2e/testing/cluster.js";
import { KubeClient } from "../client.js";
import { Informer } from "../informer.js";
import { silentLogger } from "../logger.js";
import { Manager } from "../manager.js";
import { OperatorMetrics } from "../metrics.js";
import { done } from "../reconcile.js";

const n = Number(process.argv[2] ?? 2000);
const idleSeconds = Number(process.argv[3] ?? 60);
const cluster = await startPrivateCluster();
try {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: "measure" } } });
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => Promise.all([
      core.createNamespacedConfigMap({ namespace: "measure", body: { metadata: { name: `ours-${i + j}`, labels: { "app.kubernetes.io/managed-by": "measure" } }, data: { payload: "x".repeat(200) } } }),
      core.createNamespacedConfigMap({ namespace: "measure", body: { metadata: { name: `other-${i + j}` }, data: { payload: "x".repeat(200) } } }),
    ])));
  }

  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const client = new KubeClient({ kubeConfig: cluster.kubeConfig, metrics });
  const informer = new Informer<V1ConfigMap>({ path: "/api/v1/configmaps", labelSelector: "app.kubernetes.io/managed-by=measure" }, { client, metrics });
  const started = performance.now();
  informer.start();
  await informer.waitForSync();
  const syncMs = performance.now() - started;
  const lists = (await metrics.apiRequests.get()).values.filter((v) => v.labels.verb === "list").reduce((s, v) => s + v.value, 0);
  console.log(`informer sync: ${informer.size} of ${2 * n} ConfigMaps cached in ${syncMs.toFixed(0)} ms with ${lists} list requests`);
  await informer.stop();
  client.close();

  const manager = new Manager({
    name: "measure", kubeConfig: cluster.kubeConfig, leaderElection: { namespace: "measure" }, http: false, handleSignals: false, logger: silentLogger(),
  });
  const cms = manager.informer<V1ConfigMap>({ path: "/api/v1/namespaces/measure/configmaps", labelSelector: "app.kubernetes.io/managed-by=measure" });
  let reconciles = 0;
  manager.controller({ name: "noop", workers: 4, reconcile: () => { reconciles++; return Promise.resolve(done); } }).watch(cms);
  const t0 = performance.now();
  await manager.start();
  while (reconciles < n) await new Promise((r) => setTimeout(r, 50));
  console.log(`leader start to ${n} reconciles done: ${(performance.now() - t0).toFixed(0)} ms`);
  const before = new Map((await manager.metrics.apiRequests.get()).values.map((v) => [`${String(v.labels.verb)} ${String(v.labels.resource)}`, v.value]));
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idle = new Map<string, number>();
  for (const v of (await manager.metrics.apiRequests.get()).values) {
    const key = `${String(v.labels.verb)} ${String(v.labels.resource)}`;
    idle.set(key, (idle.get(key) ?? 0) + v.value - (before.get(key) ?? 0));
    before.set(key, 0);
  }
  console.log(`idle ${idleSeconds}s as leader: ${[...idle].filter(([, c]) => c > 0).map(([k, c]) => `${k}=${c}`).join(", ") || "no requests"}; reconciles ${reconciles}`);
  await manager.stop();
} finally {
  await cluster.stop();
}
