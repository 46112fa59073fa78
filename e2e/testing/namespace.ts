// One namespace per test: created with a unique name before it, deleted after it.
import { randomBytes } from "node:crypto";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { waitFor } from "./wait.js";

/** Label carried by every namespace a test creates: `kubectl get ns -l` finds leftovers of crashed runs. */
export const TEST_NAMESPACE_LABEL = "e2e.waba.local/test-namespace";

/** A DNS label made from the test's name, unique however often the test runs. */
export function namespaceNameFor(testName: string): string {
  const slug = testName.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+/, "").slice(0, 40).replace(/-+$/, "");
  return `${slug || "test"}-${randomBytes(4).toString("hex")}`;
}

/** Creates the namespace and waits for its default ServiceAccount (pods are refused without it). */
export async function createTestNamespace(kc: KubeConfig, name: string, labels: Readonly<Record<string, string>>): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name, labels: { ...labels, [TEST_NAMESPACE_LABEL]: "true" } } } });
  await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: name }), {
    what: `the default ServiceAccount of namespace ${name}`,
  });
}

/** Starts the deletion and does not wait for the namespace controller to empty it. */
export async function deleteTestNamespace(kc: KubeConfig, name: string): Promise<void> {
  await kc.makeApiClient(CoreV1Api).deleteNamespace({ name, propagationPolicy: "Background" });
}
