// Global setup of the kube Jest project: starts the shared local cluster, or reuses the one
// running in WABA_CLUSTER_DIR (default /tmp/waba-cluster), and exports to the test workers
// where it is (WABA_TEST_CLUSTER_DIR, WABA_TEST_KUBECONFIG) and this run's id (WABA_TEST_RUN).
// This run registers as a user of the cluster (its pid), so global-teardown.ts stops it only if
// this run started it and no other test run still uses it. Self-contained: Jest loads it
// without the test transform.
import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

export default async function globalSetup(_: unknown, project: { rootDir: string }): Promise<void> {
  const dir = resolve(process.env.WABA_CLUSTER_DIR ?? "/tmp/waba-cluster");
  const up = join(project.rootDir, "e2e", "cluster", "up.sh");
  const env = { ...process.env, WABA_CLUSTER_DIR: dir };
  const { stderr } = await promisify(execFile)(up, ["--user", String(process.pid)], { env }).catch((e: unknown) => {
    throw new Error(`e2e/cluster/up.sh failed (logs in ${dir}/logs): ${(e as { stderr?: string }).stderr ?? String(e)}`);
  });
  process.stderr.write(stderr);
  process.env.WABA_TEST_RUN = String(process.pid);
  process.env.WABA_TEST_CLUSTER_DIR = dir;
  process.env.WABA_TEST_KUBECONFIG = join(dir, "kubeconfig");
}
