// Global setup of the kind Jest projects: the suites' cluster is the kind cluster of make kind-up,
// reached through the kubeconfig e2e/kind/lib.sh keeps in WABA_E2E_KIND_DIR. Exports what the
// kube project's setup exports (e2e/testing/cluster.ts reads it) and WABA_E2E_TARGET=kind.
// Self-contained: Jest loads it without the test transform.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export default function globalSetup(): void {
  const dir = resolve(process.env.WABA_E2E_KIND_DIR ?? "/tmp/waba-kind");
  const kubeconfig = join(dir, "kubeconfig");
  if (!existsSync(kubeconfig)) throw new Error(`no kubeconfig at ${kubeconfig}: run make kind-up first`);
  process.env.WABA_TEST_RUN = String(process.pid);
  process.env.WABA_TEST_CLUSTER_DIR = dir;
  process.env.WABA_TEST_KUBECONFIG = kubeconfig;
  process.env.WABA_E2E_TARGET = "kind";
}
