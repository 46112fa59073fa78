// Figures of the operator as a process on a private local cluster (started and stopped here):
//   1. one instance: kubectl-apply-to-Ready time;
//   2. N instances created at once: time until all are Ready, API requests per instance (by
//      verb), the operator's peak RSS;
//   3. the next minute with nothing changing: requests made (leases aside).
//   node --import tsx operator/e2e/testing/measure.ts [N=50] [extra operator flags…]
// With WABA_OPERATOR_MAIN=dist/operator/main.js (after npm run build) the operator runs compiled,
// as in its image; otherwise through tsx, whose compiler adds to its memory.
// Under kwok pods are Ready as soon as they are scheduled, so the times are the operator's and
// the control plane's, not a real runtime's start-up.
import { CustomObjectsApi } from "@kubernetes/client-node";
import { group, plural, version } from "../../api/constants.js";
import type { WabaInstance } from "../../api/types.js";
import { sum, writesExceptLeases, type Metrics, type OperatorProcess } from "./operator-process.js";
import { Instances, startOperatorSuite } from "./suite.js";

const n = Number(process.argv[2] ?? 50);
const operatorArgs = process.argv.slice(3);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function requestsByVerb(before: Metrics, after: Metrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const verb of ["get", "list", "watch", "create", "apply", "patch", "update", "delete"]) {
    const count = (m: Metrics) => sum(m, "operator_api_requests_total", (l) => l.verb === verb && l.resource !== "leases");
    const d = count(after) - count(before);
    if (d) out[verb] = d;
  }
  return out;
}

/** Polls until every named instance is Ready for its generation; returns the time taken and the peak RSS seen. */
async function untilReady(api: CustomObjectsApi, operator: OperatorProcess, names: ReadonlySet<string>, started: number): Promise<{ ms: number; peakRss: number }> {
  let peakRss = 0;
  for (;;) {
    peakRss = Math.max(peakRss, sum(await operator.metrics(), "process_resident_memory_bytes"));
    const list = (await api.listClusterCustomObject({ group, version, plural })) as { items: WabaInstance[] };
    const ready = list.items.filter((i) => names.has(`${i.metadata.namespace ?? ""}/${i.metadata.name ?? ""}`) && i.status?.phase === "Ready" && i.status.observedGeneration === i.metadata.generation);
    if (ready.length === names.size) return { ms: performance.now() - started, peakRss };
    if (performance.now() - started > 600_000) throw new Error(`only ${ready.length} of ${names.size} Ready after 10 minutes`);
    await sleep(100);
  }
}

const suite = await startOperatorSuite();
try {
  const instances = new Instances(suite.cluster);
  const api = suite.cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const operator = suite.startOperator("measure", operatorArgs);
  while (!(await operator.isLeader().catch(() => false))) await sleep(200);

  const single = await suite.namespace("single");
  let t0 = performance.now();
  await instances.create(single, "solo", { phoneNumber: "+15559000000" });
  const one = await untilReady(api, operator, new Set([`${single}/solo`]), t0);
  console.log(`1 instance: Ready ${(one.ms / 1000).toFixed(1)} s after create`);

  const namespaces = await Promise.all(Array.from({ length: 5 }, () => suite.namespace("bulk")));
  const names = Array.from({ length: n }, (_, i) => ({ ns: namespaces[i % namespaces.length] ?? "", name: `bulk-${i}` }));
  const before = await operator.metrics();
  t0 = performance.now();
  await Promise.all(names.map(({ ns, name }, i) => instances.create(ns, name, { phoneNumber: `+1555901${String(i).padStart(4, "0")}`, shards: [1, 2, 4][i % 3] })));
  const bulk = await untilReady(api, operator, new Set(names.map(({ ns, name }) => `${ns}/${name}`)), t0);
  const after = await operator.metrics();
  const perInstance = Object.entries(requestsByVerb(before, after)).map(([verb, count]) => `${verb} ${(count / n).toFixed(1)}`).join(", ");
  const writes = writesExceptLeases(after) - writesExceptLeases(before);
  console.log(`${n} instances at once: all Ready ${(bulk.ms / 1000).toFixed(1)} s after the first create`);
  console.log(`  API requests per instance (leases aside): ${perInstance}; writes ${(writes / n).toFixed(1)}`);
  console.log(`  operator RSS: peak ${(bulk.peakRss / 2 ** 20).toFixed(0)} MiB while converging`);

  await sleep(10_000); // let the last Events and statuses go out
  const idleBefore = await operator.metrics();
  await sleep(60_000);
  const idleAfter = await operator.metrics();
  const idle = requestsByVerb(idleBefore, idleAfter);
  delete idle.watch;
  console.log(`  next 60 s, nothing changing: ${JSON.stringify(idle)} (leases and watches aside); RSS ${(sum(idleAfter, "process_resident_memory_bytes") / 2 ** 20).toFixed(0)} MiB`);
  const { stdout } = await suite.cluster.kubectl(["get", "events.events.k8s.io", "-A", "-o", "json"]);
  const events = (JSON.parse(stdout) as { items: { reason?: string; note?: string; series?: { count: number } }[] }).items;
  const repeated = events.filter((e) => e.series).map((e) => `${e.reason ?? ""} x${e.series?.count ?? 0}: ${e.note ?? ""}`);
  console.log(`  Events: ${events.length}, repeated: ${repeated.length ? repeated.join(" | ") : "none"}`);
} finally {
  await suite.stop();
}
