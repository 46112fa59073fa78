// The example operator (testing/example-operator.ts) as a real process: it serves its
// endpoints, reconciles through owner references, writes nothing when nothing changed, and on
// SIGTERM releases its Lease and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { CoordinationV1Api, CoreV1Api } from "@kubernetes/client-node";
import { testCluster, useTestNamespace, waitFor } from "../../e2e/testing/cluster.js";

interface Running { child: ChildProcess; port: Promise<number>; exit: Promise<number | null>; lines: string[] }

function startOperator(namespace: string): Running {
  const child = spawn(process.execPath, ["--import", "tsx", "operator/controller/testing/example-operator.ts"], {
    env: { ...process.env, KUBECONFIG: testCluster().kubeconfigPath, EXAMPLE_NAMESPACE: namespace, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      const http = (JSON.parse(line) as { http?: number }).http;
      if (http) resolve(http);
    });
    child.once("exit", () => { reject(new Error(`operator exited before serving:\n${lines.join("\n")}`)); });
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => { resolve(code); }));
  return { child, port, exit, lines };
}

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split("\n").filter((l) => pattern.test(l)).reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
}

describe("an operator process built on the runtime", () => {
  const ns = useTestNamespace();
  let running: Running | undefined;
  afterEach(async () => {
    if (running && running.child.exitCode === null) { running.child.kill("SIGKILL"); await running.exit; }
    running = undefined;
  });

  it("serves health, readiness and metrics, repairs its children, writes nothing when idle, and shuts down cleanly on SIGTERM", async () => {
    const core = testCluster().kubeConfig.makeApiClient(CoreV1Api);
    const namespace = ns.name;
    running = startOperator(namespace);
    const port = await running.port;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, { what: "/readyz to say ready" });
    await waitFor(async () => (await metric(port, /^operator_leader\{/)) === 1, { what: "the operator to lead" });

    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: "src", labels: { "example.waba.dev/mirror": "true" } }, data: { k: "v1" } } });
    const mirror = await waitFor(() => core.readNamespacedConfigMap({ namespace, name: "src-mirror" }), { what: "the mirror" });
    expect(mirror.data).toEqual({ k: "v1" });
    expect(mirror.metadata?.ownerReferences?.[0]).toMatchObject({ kind: "ConfigMap", name: "src", controller: true });

    await core.deleteNamespacedConfigMap({ namespace, name: "src-mirror" });
    await waitFor(async () => (await core.readNamespacedConfigMap({ namespace, name: "src-mirror" })).metadata?.uid !== mirror.metadata?.uid,
      { what: "the deleted mirror to be recreated" });

    // A change that needs no write: the source gets an annotation; it is reconciled, nothing is applied.
    // Counted from an idle operator (the repair's apply is counted once its reconcile ends).
    const idle = async () => (await metric(port, /^operator_workqueue_depth\{name="mirror"\}/)) === 0 && (await metric(port, /^operator_active_workers\{controller="mirror"\}/)) === 0;
    await waitFor(idle, { what: "an idle operator" });
    const applies = await metric(port, /^operator_api_requests_total\{verb="apply"/);
    const reconciles = await metric(port, /^operator_reconcile_total\{controller="mirror",result="success"/);
    await core.patchNamespacedConfigMap({ namespace, name: "src", body: [{ op: "add", path: "/metadata/annotations", value: { touched: "yes" } }] });
    await waitFor(async () => (await metric(port, /^operator_reconcile_total\{controller="mirror",result="success"/)) > reconciles && (await idle()),
      { what: "a reconcile of the touched source, then an idle operator" });
    expect(await metric(port, /^operator_api_requests_total\{verb="apply"/)).toBe(applies);

    running.child.kill("SIGTERM");
    expect(await running.exit).toBe(0);
    const lease = await testCluster().kubeConfig.makeApiClient(CoordinationV1Api).readNamespacedLease({ namespace, name: "example-operator" });
    expect(lease.spec?.holderIdentity).toBeUndefined();
    expect(running.lines.some((l) => l.includes("manager stopped"))).toBe(true);
  });
});
