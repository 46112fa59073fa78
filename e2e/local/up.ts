// make up, without Docker: on the local control plane (make cluster-up), installs the chart, runs
// the operator as a local process under the chart's ServiceAccount (kwok simulates every pod, so
// the chart's own operator pods cannot do the work), applies an example instance and waits until
// it is Ready, then prints what it made and how to look at it. Re-running replaces the operator
// process and upgrades the release. e2e/local/down.sh (make down, make cluster-down) stops the operator.
//   WABA_CLUSTER_DIR=/tmp/waba-cluster node --import tsx e2e/local/up.ts
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CoreV1Api } from "@kubernetes/client-node";
import { freePortPreferring, restricted } from "../chart/cluster-helpers.js";
import { chartDir, examplesDir, repoRoot } from "../chart/files.js";
import { setArgs } from "../chart/helm.js";
import { localLaunch, waitUntilReady } from "../chart/operator.js";
import { CLUSTER_DIR_ENV, testCluster, waitFor } from "../testing/cluster.js";
import { run } from "../testing/run.js";

const clusterDir = resolve(process.env.WABA_CLUSTER_DIR ?? "/tmp/waba-cluster");
process.env[CLUSTER_DIR_ENV] = clusterDir;
const cluster = testCluster();
// Inside the cluster's directory, so it goes with the cluster; down.sh reads the same paths.
const stateDir = join(clusterDir, "waba-operator");
const state = { files: join(stateDir, "files"), pid: join(stateDir, "pid"), log: join(stateDir, "operator.log"), webhookPort: join(stateDir, "webhook-port") };
const release = "waba-operator";
const system = "waba-system";
const demo = "waba-demo";
const instance = "acme-basic";
const say = (line: string) => process.stderr.write(`==> ${line}\n`);

await run(fileURLToPath(new URL("./down.sh", import.meta.url)), [], { env: { WABA_CLUSTER_DIR: clusterDir } });
mkdirSync(state.files, { recursive: true });

const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
for (const name of [system, demo]) {
  await core.createNamespace({ body: { metadata: { name, labels: { ...restricted } } } }).catch((e: unknown) => {
    if ((e as { code?: number }).code !== 409) throw e;
  });
}

// The webhook is registered with a URL on loopback (for development only): the port is kept
// from one run to the next, so an upgrade does not move it.
const webhookPort = existsSync(state.webhookPort) ? Number(readFileSync(state.webhookPort, "utf8")) : await freePortPreferring(9443);
writeFileSync(state.webhookPort, String(webhookPort));
say(`installing the chart (release ${release} in ${system}; the webhook at https://127.0.0.1:${webhookPort})`);
await cluster.helm(["upgrade", "--install", release, chartDir, "-n", system, "--wait", "--timeout", "3m",
  ...setArgs({ "admissionWebhook.port": webhookPort, "admissionWebhook.url": `https://127.0.0.1:${webhookPort}/validate-wabainstance` })]);

say("starting the operator as a local process, as the chart's ServiceAccount");
const launch = await localLaunch(cluster, system, release, await freePortPreferring(8080), state.files);
const log = openSync(state.log, "a");
const child = spawn(process.execPath, launch.args, { cwd: repoRoot, env: launch.env, stdio: ["ignore", log, log], detached: true });
child.unref();
writeFileSync(state.pid, String(child.pid));
await waitUntilReady(launch, () => (child.exitCode !== null ? `the operator exited with ${child.exitCode}; see ${state.log}` : undefined));

say(`applying the example ${instance} in ${demo} and waiting until it is Ready`);
await cluster.kubectl(["apply", "-n", demo, "-f", join(examplesDir, "basic-eu-central-1.yaml")]);
await waitFor(async () => (await cluster.kubectl(["get", "wabainstance", instance, "-n", demo, "-o", "jsonpath={.status.phase}"])).stdout === "Ready", {
  what: `${instance} Ready (operator log: ${state.log})`, timeoutMs: 180_000, intervalMs: 500,
});

const show = async (...args: string[]) => (await cluster.kubectl(args)).stdout.trimEnd();
process.stdout.write(`
The local control plane runs the chart's release and a Ready WabaInstance (its pods are simulated
by kwok: they are scheduled, pinned to their region and Ready, but run nothing).

${await show("get", "wabainstances", "-n", demo, "-o", "wide")}

${await show("get", "pods,pvc", "-n", demo, "-o", "wide")}

The operator runs here as pid ${child.pid} (identity of ${system}/${release}, the chart's ServiceAccount).
  log:      ${state.log}
  metrics:  curl http://127.0.0.1:${launch.httpPort}/metrics

Look around:
  export KUBECONFIG=${cluster.kubeconfigPath} PATH=${join(process.env.WABA_CACHE ?? join(process.env.HOME ?? "", ".cache", "waba-operator"), "bin")}:$PATH
  kubectl -n ${demo} describe wabainstance ${instance}
  kubectl -n ${demo} scale wabainstance ${instance} --replicas=2 && kubectl -n ${demo} get wabainstances -w
  kubectl -n ${demo} apply -f charts/waba-operator/examples/   # the other examples
Stop it all: make down
`);
