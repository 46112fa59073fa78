// Small cluster operations of the chart suite: namespaces, free ports, instances' state.
import { createServer } from "node:net";
import { CoreV1Api } from "@kubernetes/client-node";
import { TEST_NAMESPACE_LABEL, type TestCluster } from "../testing/cluster.js";

export const restricted = {
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
} as const;

/** A namespace enforcing the restricted Pod Security level, named `prefix-<random>`. */
export async function restrictedNamespace(cluster: TestCluster, prefix: string): Promise<string> {
  const name = `${prefix}-${Math.random().toString(16).slice(2, 8)}`;
  await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name, labels: { ...restricted, [TEST_NAMESPACE_LABEL]: "true" } } } });
  return name;
}

export async function deleteNamespaces(cluster: TestCluster, names: readonly string[]): Promise<void> {
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  await Promise.all(names.map((name) => core.deleteNamespace({ name, propagationPolicy: "Background" }).catch(() => undefined)));
}

/** `preferred` when it is free on 127.0.0.1, else any free port. */
export async function freePortPreferring(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer().once("error", () => { resolve(false); }).listen(preferred, "127.0.0.1", () => { server.close(() => { resolve(true); }); });
  });
  return free ? preferred : freePort();
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface InstanceState {
  metadata: { name: string; namespace: string };
  spec: { tier: string };
  status?: { phase?: string; desiredShards?: number; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

export async function instances(cluster: TestCluster, namespace: string): Promise<InstanceState[]> {
  const { stdout } = await cluster.kubectl(["get", "wabainstances", "-n", namespace, "-o", "json"]);
  return (JSON.parse(stdout) as { items: InstanceState[] }).items;
}

export const describeInstances = (items: readonly InstanceState[]): string =>
  items.map((i) => `${i.metadata.name}: ${i.status?.phase ?? "no status"} ${JSON.stringify(i.status?.conditions?.filter((c) => c.status !== "True") ?? [])}`).join("; ");
