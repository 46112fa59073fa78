// The operator of an installed release, for the chart suite and `make up`. Under kwok the chart's
// pods do not really run, so the operator runs as a LOCAL PROCESS that gets what its pod would
// get: the Deployment's args and environment, the files of its ConfigMap and Secret volumes
// (written to a directory, paths rewritten), and the identity of the chart's ServiceAccount (a
// kubeconfig whose user impersonates it), so the chart's RBAC is what the API server enforces.
// On kind the chart's Deployment runs the image for real and there is nothing to start.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, type V1Container, type V1Deployment, type V1EnvVar } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { impersonating, serviceAccountUser, waitFor, type TestCluster } from "../testing/cluster.js";
import { repoRoot } from "./files.js";

export interface Operator {
  /** Output of the local process so far (empty in-cluster). */
  output(): string;
  /** Picks up a new configuration: the pods roll by themselves (checksum), the local process is restarted. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The release's operator Deployment (the chart labels it with the release and the component). */
export async function operatorDeployment(cluster: TestCluster, namespace: string, release: string): Promise<V1Deployment> {
  const { items } = await cluster.kubeConfig.makeApiClient(AppsV1Api).listNamespacedDeployment({
    namespace,
    labelSelector: `app.kubernetes.io/instance=${release},app.kubernetes.io/component=operator`,
  });
  const [deployment] = items;
  if (items.length !== 1 || !deployment) throw new Error(`release ${release} has ${items.length} operator Deployments`);
  return deployment;
}

interface Volume {
  readonly mountPath: string;
  readonly local: string;
  readonly files: Record<string, Buffer>;
  /** ConfigMap files are text that may name other mounted files. */
  readonly text: boolean;
}

async function podVolumes(cluster: TestCluster, namespace: string, deployment: V1Deployment, container: V1Container, dir: string): Promise<Volume[]> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const volumes: Volume[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
    const local = join(dir, "volumes", mount.name);
    if (volume?.configMap?.name) {
      const { data = {} } = await core.readNamespacedConfigMap({ name: volume.configMap.name, namespace });
      volumes.push({ mountPath: mount.mountPath, local, files: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v)])), text: true });
    } else if (volume?.secret?.secretName) {
      const { data = {} } = await core.readNamespacedSecret({ name: volume.secret.secretName, namespace });
      volumes.push({ mountPath: mount.mountPath, local, files: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "base64")])), text: false });
    } // emptyDirs: the process writes to the machine's own /tmp
  }
  return volumes;
}

function relocate(text: string, volumes: readonly Volume[]): string {
  let out = text;
  for (const { mountPath, local } of [...volumes].sort((a, b) => b.mountPath.length - a.mountPath.length)) out = out.replaceAll(`${mountPath}/`, `${local}/`);
  return out;
}

function envOf(container: V1Container, namespace: string): Record<string, string> {
  const value = (e: V1EnvVar): string => {
    if (e.value !== undefined) return e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === "metadata.namespace") return namespace;
    if (field === "metadata.name") return `local-operator-${process.pid}`;
    throw new Error(`the local operator cannot resolve env ${e.name}`);
  };
  return Object.fromEntries((container.env ?? []).map((e) => [e.name, value(e)]));
}

export interface LocalLaunch {
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly httpPort: number;
  /** Where its admission webhook listens, when the configuration has one. */
  readonly webhookPort?: number;
}

/**
 * Writes the pod's files and a kubeconfig impersonating its ServiceAccount into `dir`, and says
 * how to run the operator like its pod (node, with tsx, from the repository root).
 */
export async function localLaunch(cluster: TestCluster, namespace: string, release: string, httpPort: number, dir: string): Promise<LocalLaunch> {
  const deployment = await operatorDeployment(cluster, namespace, release);
  const pod = deployment.spec?.template.spec;
  const container = pod?.containers[0];
  if (!pod || !container) throw new Error(`the operator Deployment of ${release} has no container`);
  const volumes = await podVolumes(cluster, namespace, deployment, container, dir);
  let webhookPort: number | undefined;
  for (const { local, files, text } of volumes) {
    mkdirSync(local, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const written = text ? relocate(content.toString("utf8"), volumes) : content;
      writeFileSync(join(local, name), written);
      if (name === "config.yaml") webhookPort = (yaml.load(written.toString()) as { webhookServer?: { port: number } }).webhookServer?.port;
    }
  }
  const kubeconfig = join(dir, "kubeconfig");
  writeFileSync(kubeconfig, impersonating(cluster.kubeConfig, serviceAccountUser(namespace, pod.serviceAccountName ?? "default")).exportConfig(), { mode: 0o600 });
  return {
    args: ["--import", "tsx", join(repoRoot, "operator", "main.ts"), ...(container.args ?? []).map((a) => relocate(a, volumes)), "--http-host", "127.0.0.1"],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", KUBECONFIG: kubeconfig, ...envOf(container, namespace), WABA_OPERATOR_HTTP_PORT: String(httpPort) },
    httpPort,
    ...(webhookPort !== undefined ? { webhookPort } : {}),
  };
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, "127.0.0.1", () => { socket.destroy(); resolve(true); }).on("error", () => { resolve(false); });
  });

/** Waits until the operator's caches are synced (/readyz) and its webhook listens; `failure()` says why to stop early. */
export async function waitUntilReady(launch: LocalLaunch, failure: () => string | undefined, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    const reason = failure();
    if (reason) throw new Error(reason);
    const ready = await fetch(`http://127.0.0.1:${launch.httpPort}/readyz`).then((r) => r.ok, () => false);
    return ready && (launch.webhookPort === undefined || (await listening(launch.webhookPort)));
  }, { what: "the local operator to be ready (/readyz, webhook port)", timeoutMs, intervalMs: 200 });
}

/** Runs the release's operator as a local process under its ServiceAccount, for a test; see the top. */
export async function startLocalOperator(cluster: TestCluster, namespace: string, release: string, { httpPort }: { httpPort: number }): Promise<Operator> {
  let child: ChildProcess | undefined;
  let output = "";
  let dir: string | undefined;

  const start = async () => {
    dir = mkdtempSync(join(tmpdir(), `waba-local-operator-${release}-`));
    const launch = await localLaunch(cluster, namespace, release, httpPort, dir);
    const running = spawn(process.execPath, launch.args, { cwd: repoRoot, env: launch.env, stdio: ["ignore", "pipe", "pipe"] });
    child = running;
    running.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
    running.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
    const exited = () => (running.exitCode !== null ? `the local operator exited with ${running.exitCode}` : undefined);
    await waitUntilReady(launch, exited).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\noperator output:\n${output.slice(-3000)}`);
    });
  };

  const stop = async () => {
    const running = child;
    child = undefined;
    if (running && running.exitCode === null && running.signalCode === null) {
      const exited = new Promise((resolve) => running.once("exit", resolve));
      running.kill("SIGTERM");
      await waitFor(() => running.exitCode !== null || running.signalCode !== null, { what: "the local operator to exit", timeoutMs: 40_000 }).catch(() => running.kill("SIGKILL"));
      await exited;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };

  await start();
  return {
    output: () => output,
    restart: async () => {
      await stop();
      await start();
    },
    stop,
  };
}

/** The operator of a release on kind: the chart's Deployment (helm --wait saw it ready). */
export function inClusterOperator(): Operator {
  return { output: () => "", restart: () => Promise.resolve(), stop: () => Promise.resolve() };
}
