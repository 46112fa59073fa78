// A test can run a cluster of its own beside the shared one, restart its API server in place,
// and stop it without leaving a process or a directory behind.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { startPrivateCluster, testCluster, waitFor, type PrivateCluster } from "../testing/cluster.js";

let cluster: PrivateCluster | undefined;
beforeAll(async () => { cluster = await startPrivateCluster(); });
afterAll(async () => { await cluster?.stop(); });

const pidOf = (c: PrivateCluster, component: string) => Number(readFileSync(join(c.dir, "run", `${component}.pid`), "utf8"));

/** Live (not zombie) processes whose command line names the directory. */
function processesNaming(dir: string): number[] {
  return readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((p) => {
    try {
      const cmdline = readFileSync(`/proc/${p}/cmdline`, "utf8");
      const state = /\) (\S)/.exec(readFileSync(`/proc/${p}/stat`, "utf8"))?.[1];
      return cmdline.includes(`${dir}/`) && state !== "Z" ? [Number(p)] : [];
    } catch {
      return []; // the process ended while we looked
    }
  });
}

test("the API server restarts in place: same address and credentials, same data, and the cluster works on", async () => {
  const c = cluster!;
  const core = c.kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "before-restart" }, data: { k: "v" } } });
  const oldPid = pidOf(c, "kube-apiserver");

  await c.restartApiServer();

  expect(pidOf(c, "kube-apiserver")).not.toBe(oldPid);
  const kept = await core.readNamespacedConfigMap({ name: "before-restart", namespace: "default" });
  expect(kept.data).toEqual({ k: "v" });
  // The provisioner and the scheduler reconnected: a new claim still gets a volume.
  await core.createNamespacedPersistentVolumeClaim({
    namespace: "default",
    body: {
      metadata: { name: "after-restart" },
      spec: { storageClassName: "standard-eu-central-1", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
    },
  });
  await core.createNamespacedPod({
    namespace: "default",
    body: {
      metadata: { name: "after-restart" },
      spec: {
        containers: [{ name: "main", image: "registry.invalid/never-pulled:1", volumeMounts: [{ name: "d", mountPath: "/d" }] }],
        volumes: [{ name: "d", persistentVolumeClaim: { claimName: "after-restart" } }],
      },
    },
  });
  await waitFor(async () => {
    const pod = await core.readNamespacedPod({ name: "after-restart", namespace: "default" });
    return pod.status?.phase === "Running" && Boolean(pod.status.podIP);
  }, { what: "a pod with a fresh claim to run after the restart" });
});

test("stopping leaves no process of the cluster and no directory, and the shared cluster runs on", async () => {
  const c = cluster!;
  const components = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "pv-provisioner"];
  const pids = components.map((name) => pidOf(c, name));
  expect(processesNaming(c.dir).sort()).toEqual([...pids].sort());

  await c.stop();
  cluster = undefined;

  expect(processesNaming(c.dir)).toEqual([]);
  expect(existsSync(c.dir)).toBe(false);
  const { stdout } = await testCluster().kubectl(["get", "--raw", "/readyz"]);
  expect(stdout).toBe("ok");
});
