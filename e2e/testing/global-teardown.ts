// Global teardown of the kube Jest project. This run leaves the shared cluster, which stops
// only if this run started it and no other test run still uses it (see e2e/cluster/down.sh),
// and stops any private cluster of this run that a failed or timed-out test left behind.
// Self-contained like global-setup.ts.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export default async function globalTeardown(_: unknown, project: { rootDir: string }): Promise<void> {
  const down = async (dir: string, args: string[]) => {
    const env = { ...process.env, WABA_CLUSTER_DIR: dir };
    const { stderr } = await promisify(execFile)(join(project.rootDir, "e2e", "cluster", "down.sh"), args, { env });
    process.stderr.write(stderr);
  };
  // Named by startPrivateCluster() after WABA_TEST_RUN, this process's pid.
  const leftovers = readdirSync(tmpdir()).filter((name) => name.startsWith(`waba-private-cluster-${process.pid}-`));
  for (const name of leftovers) await down(join(tmpdir(), name), []);
  const shared = process.env.WABA_TEST_CLUSTER_DIR; // set by global-setup.ts once the cluster ran
  if (shared) await down(shared, ["--user", String(process.pid)]);
}
