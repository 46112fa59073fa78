// The operator of an installed release, for the chart suite. Under kwok the chart's pods do not
// really run, so here the operator runs as a LOCAL PROCESS that gets what its pod would get:
// the Deployment's args and environment, the files of its ConfigMap and Secret volumes (written
// to a directory, paths rewritten), and the identity of the chart's ServiceAccount (a kubeconfig
// whose user impersonates it), so the chart's RBAC is what the API server enforces. On kind the
// chart's Deployment runs the image for real and there is nothing to start.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AppsV1Api, CoreV1Api, type V1Container, type V1Deployment, type V1EnvVar } from "@kubernetes/client-node";
import { impersonating, serviceAccountUser, waitFor, type TestCluster } from "../testing/cluster.js";
import { repoRoot } from "./files.js";

export interface Operator {
  /** Output of the local process so far (empty in-cluster). */
  output(): string;
  /** Picks up a new configuration: the pods roll by themselves (checksum), the local process is restarted. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const entry = join(repoRoot, "operator", "main.ts");

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

/** Writes the pod's ConfigMap and Secret volumes under `dir`; returns mount path → local directory. */
async function materialiseVolumes(cluster: TestCluster, namespace: string, deployment: V1Deployment, container: V1Container, dir: string): Promise<Map<string, string>> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const volumes: { local: string; mountPath: string; files: Record<string, Buffer>; text: boolean }[] = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = deployment.spec?.template.spec?.volumes?.find((v) => v.name === mount.name);
    const local = join(dir, "volumes", mount.name);
    if (volume?.configMap?.name) {
      const cm = await core.readNamespacedConfigMap({ name: volume.configMap.name, namespace });
      volumes.push({ local, mountPath: mount.mountPath, files: Object.fromEntries(Object.entries(cm.data ?? {}).map(([k, v]) => [k, Buffer.from(v)])), text: true });
    } else if (volume?.secret?.secretName) {
      const secret = await core.readNamespacedSecret({ name: volume.secret.secretName, namespace });
      volumes.push({ local, mountPath: mount.mountPath, files: Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")])), text: false });
    } // emptyDirs: the process writes to the machine's own /tmp
  }
  const mounts = new Map(volumes.map((v) => [v.mountPath, v.local]));
  for (const { local, files, text } of volumes) {
    mkdirSync(local, { recursive: true });
    // ConfigMap files may name other mounted files (the config names the certificate): relocate them too.
    for (const [name, content] of Object.entries(files)) writeFileSync(join(local, name), text ? relocate(content.toString("utf8"), mounts) : content);
  }
  return mounts;
}

function relocate(text: string, mounts: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [mountPath, local] of [...mounts].sort((a, b) => b[0].length - a[0].length)) out = out.replaceAll(`${mountPath}/`, `${local}/`);
  return out;
}

function envOf(container: V1Container, namespace: string, overrides: Readonly<Record<string, string>>): Record<string, string> {
  const value = (e: V1EnvVar): string => {
    if (e.value !== undefined) return e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === "metadata.namespace") return namespace;
    if (field === "metadata.name") return `local-operator-${process.pid}`;
    throw new Error(`the local operator cannot resolve env ${e.name}`);
  };
  return { ...Object.fromEntries((container.env ?? []).map((e) => [e.name, value(e)])), ...overrides };
}

export interface LocalOperatorOptions {
  /** Environment set after the pod's (e.g. a free HTTP port instead of the pod's). */
  readonly env?: Readonly<Record<string, string>>;
}

/** Runs the release's operator as a local process under its ServiceAccount; see the top of the file. */
export async function startLocalOperator(cluster: TestCluster, namespace: string, release: string, options: LocalOperatorOptions = {}): Promise<Operator> {
  let child: ChildProcess | undefined;
  let output = "";
  let dir: string | undefined;

  const start = async () => {
    const deployment = await operatorDeployment(cluster, namespace, release);
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    if (!pod || !container) throw new Error(`the operator Deployment of ${release} has no container`);
    dir = mkdtempSync(join(tmpdir(), `waba-local-operator-${release}-`));
    const mounts = await materialiseVolumes(cluster, namespace, deployment, container, dir);
    const kubeconfig = join(dir, "kubeconfig");
    writeFileSync(kubeconfig, impersonating(cluster.kubeConfig, serviceAccountUser(namespace, pod.serviceAccountName ?? "default")).exportConfig());
    const args = (container.args ?? []).map((a) => relocate(a, mounts));
    child = spawn(process.execPath, ["--import", "tsx", entry, ...args], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: kubeconfig, ...envOf(container, namespace, options.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.setEncoding("utf8").on("data", (d: string) => (output += d));
    child.stderr?.setEncoding("utf8").on("data", (d: string) => (output += d));
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
