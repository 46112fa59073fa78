// The local control plane for integration suites (`*.kube.test.ts`).
//
//   const cluster = testCluster();          // the shared cluster of this test run
//   const ns = useTestNamespace();          // a fresh namespace per test: ns.name
//   const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
//   await waitFor(async () => ..., { what: "3 Ready pods" });
//
// The shared cluster is started (or reused) by the kube project's global setup, which exports
// WABA_TEST_CLUSTER_DIR and WABA_TEST_KUBECONFIG. Disruptive tests start their own with
// startPrivateCluster() and may restart its API server; they must stop it.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { createTestNamespace, deleteTestNamespace, namespaceNameFor } from "./namespace.js";
import { clusterScripts, run, toolsDir, type RunOptions, type RunResult } from "./run.js";

export { waitFor, type WaitOptions } from "./wait.js";
export { TEST_NAMESPACE_LABEL } from "./namespace.js";
export type { RunOptions, RunResult } from "./run.js";

export const CLUSTER_DIR_ENV = "WABA_TEST_CLUSTER_DIR";
export const KUBECONFIG_ENV = "WABA_TEST_KUBECONFIG";

export interface TestCluster {
  /** The cluster's directory (logs/, run/, pki/...; see e2e/cluster/lib.sh). */
  readonly dir: string;
  /** Admin kubeconfig (system:masters). */
  readonly kubeconfigPath: string;
  /** A KubeConfig loaded from it, for @kubernetes/client-node. */
  readonly kubeConfig: KubeConfig;
  /** Runs the cached kubectl against the cluster; rejects on a non-zero exit unless check: false. */
  kubectl(args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** Runs the cached helm against the cluster, with its caches inside the cluster directory. */
  helm(args: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export interface PrivateCluster extends TestCluster {
  /** Stops the API server, restarts it on the same port with the same certificates and etcd, and waits until it is ready. */
  restartApiServer(): Promise<void>;
  stopApiServer(): Promise<void>;
  /** Starts the stopped API server again and waits until it is ready. */
  startApiServer(): Promise<void>;
  /** Stops every process of the cluster and removes its directory. */
  stop(): Promise<void>;
}

function clusterAt(dir: string): TestCluster {
  const kubeconfigPath = join(dir, "kubeconfig");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(kubeconfigPath);
  const helmHome = join(dir, "helm");
  return {
    dir,
    kubeconfigPath,
    kubeConfig,
    kubectl: (args, options) => run(join(toolsDir, "kubectl"), ["--kubeconfig", kubeconfigPath, ...args], options),
    helm: (args, options) =>
      run(join(toolsDir, "helm"), ["--kubeconfig", kubeconfigPath, ...args], {
        ...options,
        env: {
          HELM_CACHE_HOME: join(helmHome, "cache"),
          HELM_CONFIG_HOME: join(helmHome, "config"),
          HELM_DATA_HOME: join(helmHome, "data"),
          ...options?.env,
        },
      }),
  };
}

let shared: TestCluster | undefined;

/** The shared cluster of this test run (started or reused by the kube project's global setup). */
export function testCluster(): TestCluster {
  const dir = process.env[CLUSTER_DIR_ENV];
  if (!dir) {
    throw new Error(`${CLUSTER_DIR_ENV} is not set: the kube project's global setup did not run (name the file *.kube.test.ts)`);
  }
  shared ??= clusterAt(dir);
  return shared;
}

/**
 * Starts a cluster of its own in `dir` (default: a new temporary directory), beside the shared
 * one, for tests that disrupt it. The caller must stop() it (e.g. in afterAll); should a test
 * fail before it can, the global teardown stops the run's private clusters in the default place.
 */
export async function startPrivateCluster(
  dir = mkdtempSync(join(tmpdir(), `waba-private-cluster-${process.env.WABA_TEST_RUN ?? "manual"}-`)),
): Promise<PrivateCluster> {
  const env = { WABA_CLUSTER_DIR: dir };
  const script = (name: string, ...args: string[]) => run(join(clusterScripts, name), args, { env }).then(() => undefined);
  const stop = () => script("down.sh");
  try {
    await script("up.sh");
  } catch (e) {
    await stop().catch(() => undefined);
    throw e;
  }
  return {
    ...clusterAt(dir),
    restartApiServer: () => script("component.sh", "restart", "kube-apiserver"),
    stopApiServer: () => script("component.sh", "stop", "kube-apiserver"),
    startApiServer: () => script("component.sh", "start", "kube-apiserver"),
    stop,
  };
}

/**
 * Jest hooks giving each test of the enclosing block a namespace of its own, named after the
 * test, with `labels` (e.g. pod-security.kubernetes.io/enforce); it is deleted after the test
 * (without waiting for the namespace controller to finish).
 */
export function useTestNamespace(
  labels: Readonly<Record<string, string>> = {},
  cluster: () => TestCluster = testCluster,
): { readonly name: string } {
  let current: string | undefined;
  beforeEach(async () => {
    const name = namespaceNameFor(expect.getState().currentTestName ?? "test");
    await createTestNamespace(cluster().kubeConfig, name, labels);
    current = name;
  });
  afterEach(async () => {
    if (current) await deleteTestNamespace(cluster().kubeConfig, current);
    current = undefined;
  });
  return {
    get name() {
      if (!current) throw new Error("useTestNamespace: the namespace exists only while a test runs");
      return current;
    },
  };
}

/** The username of a ServiceAccount, as the API server authenticates its tokens. */
export function serviceAccountUser(namespace: string, name: string): string {
  return `system:serviceaccount:${namespace}:${name}`;
}

/**
 * A copy of `kubeConfig` whose requests impersonate `user` (the admin identity must be allowed
 * to impersonate, as system:masters is). A ServiceAccount's username also brings its groups,
 * so the API server authorizes exactly what the ServiceAccount may do.
 */
export function impersonating(kubeConfig: KubeConfig, user: string): KubeConfig {
  const cluster = kubeConfig.getCurrentCluster();
  const admin = kubeConfig.getCurrentUser();
  if (!cluster || !admin) throw new Error("impersonating: the kubeconfig has no current context");
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: [cluster],
    users: [{ ...admin, name: "impersonated", impersonateUser: user }],
    contexts: [{ name: "impersonated", cluster: cluster.name, user: "impersonated" }],
    currentContext: "impersonated",
  });
  return copy;
}
