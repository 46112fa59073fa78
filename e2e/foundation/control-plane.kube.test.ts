// The local control plane is the Kubernetes version we build, with Ready nodes in two regions.
import { readFileSync } from "node:fs";
import { CoreV1Api, StorageV1Api } from "@kubernetes/client-node";
import { testCluster } from "../testing/cluster.js";

const cluster = testCluster();

/** The version the tools module pins, which build-tools.sh stamps into the binaries. */
function pinnedKubernetesVersion(): string {
  const goMod = readFileSync(new URL("../cluster/tools/kubernetes/go.mod", import.meta.url), "utf8");
  const version = /^\s*k8s\.io\/kubernetes (v\d+\.\d+\.\d+)/m.exec(goMod)?.[1];
  if (!version) throw new Error("k8s.io/kubernetes not found in e2e/cluster/tools/kubernetes/go.mod");
  return version;
}

test("kubectl version reports the stamped server version of the Kubernetes we build", async () => {
  const { stdout } = await cluster.kubectl(["version", "-o", "json"]);
  const version = JSON.parse(stdout) as { serverVersion: { gitVersion: string; gitTreeState: string } };
  expect(version.serverVersion.gitVersion).toBe(pinnedKubernetesVersion());
  expect(version.serverVersion.gitTreeState).toBe("clean");
});

test("at least four untainted Ready Linux nodes span two regions with two zones each", async () => {
  const { items: nodes } = await cluster.kubeConfig.makeApiClient(CoreV1Api).listNode();
  const ready = nodes.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  expect(ready.length).toBeGreaterThanOrEqual(4);
  expect(ready.length).toBe(nodes.length);
  for (const node of nodes) {
    expect(node.spec?.taints ?? []).toEqual([]);
    expect(node.metadata?.labels?.["kubernetes.io/os"]).toBe("linux");
  }
  const zonesByRegion = new Map<string, Set<string>>();
  for (const node of nodes) {
    const labels = node.metadata?.labels ?? {};
    const region = labels["topology.kubernetes.io/region"] ?? "(none)";
    const zone = labels["topology.kubernetes.io/zone"] ?? "(none)";
    expect(zone.startsWith(region)).toBe(true);
    zonesByRegion.set(region, (zonesByRegion.get(region) ?? new Set()).add(zone));
  }
  expect([...zonesByRegion.keys()].sort()).toEqual(["eu-central-1", "me-central-1"]);
  for (const zones of zonesByRegion.values()) expect(zones.size).toBe(2);
});

test("each region has its own StorageClass, restricted to that region", async () => {
  const { items } = await cluster.kubeConfig.makeApiClient(StorageV1Api).listStorageClass();
  const regionOf = new Map(
    items.map((c) => [c.metadata?.name, c.allowedTopologies?.[0]?.matchLabelExpressions?.[0]?.values]),
  );
  expect(regionOf.get("standard-eu-central-1")).toEqual(["eu-central-1"]);
  expect(regionOf.get("standard-me-central-1")).toEqual(["me-central-1"]);
});
