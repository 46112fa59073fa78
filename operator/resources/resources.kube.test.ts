// Every builder's output in a real API server: accepted under server-side apply (dry run), and
// every pod template accepted as a Pod in a namespace that enforces the restricted Pod Security
// level, so the API server, not our own assertions, proves the pods are compliant.
import type { V1Pod } from "@kubernetes/client-node";
import { testCluster, useTestNamespace } from "../../e2e/testing/cluster.js";
import { externalInstance, fullInstance, instance } from "../api/testing/examples.js";
import { installCrd } from "../api/testing/install-crd.js";
import type { WabaInstance } from "../api/types.js";
import { testConfig } from "../config/testing/config.js";
import { desiredChildren, type Child } from "./desired.js";
import { testInputs } from "./testing/context.js";

const cluster = testCluster();
const ns = useTestNamespace({
  "pod-security.kubernetes.io/enforce": "restricted",
  "pod-security.kubernetes.io/enforce-version": "latest",
  "pod-security.kubernetes.io/warn": "restricted",
});

beforeAll(async () => {
  await installCrd(cluster);
});

/** Creates the instance as a user would and returns it as stored (uid, defaults). */
async function create(source: WabaInstance): Promise<WabaInstance> {
  const json = JSON.stringify({ apiVersion: source.apiVersion, kind: source.kind, metadata: { name: source.metadata.name, namespace: ns.name }, spec: source.spec });
  await cluster.kubectl(["create", "-f", "-"], { input: json });
  const { stdout } = await cluster.kubectl(["get", "wabainstance", source.metadata.name ?? "", "-n", ns.name, "-o", "json"]);
  return JSON.parse(stdout) as WabaInstance;
}

const list = (items: readonly unknown[]) => JSON.stringify({ apiVersion: "v1", kind: "List", items });

/** The pods the workload controllers would make, with a StatefulSet's claims as volumes. */
function podsOf(objects: readonly Child[], namespace: string): V1Pod[] {
  return objects.flatMap((o) => {
    if (!("spec" in o && o.spec && "template" in o.spec)) return [];
    const { template } = o.spec;
    const name = `${o.kind ?? ""}-${o.metadata?.name ?? ""}`.toLowerCase();
    const claims = "volumeClaimTemplates" in o.spec ? (o.spec.volumeClaimTemplates ?? []) : [];
    const claimVolumes = claims.map((c) => ({ name: c.metadata?.name ?? "", persistentVolumeClaim: { claimName: `${c.metadata?.name ?? ""}-${name}-0` } }));
    const spec = structuredClone(template.spec!);
    spec.volumes = [...(spec.volumes ?? []), ...claimVolumes];
    return [{ apiVersion: "v1", kind: "Pod", metadata: { labels: template.metadata?.labels, annotations: template.metadata?.annotations, name, namespace }, spec }];
  });
}

describe("the children the builders make", () => {
  it.each([
    ["a minimal instance", instance()],
    ["an instance with every field set", fullInstance],
    ["an instance with an external database", externalInstance],
  ])("are accepted by server-side apply for %s, with no Pod Security warning", async (_, source) => {
    const stored = await create(source);
    const { objects, problems } = desiredChildren(stored, testConfig, testInputs);
    expect(problems).toEqual([]);
    const result = await cluster.kubectl(["apply", "--server-side", "--dry-run=server", "--field-manager=waba-operator", "-f", "-"], {
      input: list(objects),
      check: false,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(objects.length);
  });

  it.each([
    ["a minimal instance", instance()],
    ["an instance with every field set", fullInstance],
  ])("run pods the restricted Pod Security level admits, for %s", async (_, source) => {
    const stored = await create(source);
    const pods = podsOf(desiredChildren(stored, testConfig, testInputs).objects, ns.name);
    expect(pods.map((p) => p.metadata?.name?.replace(/-[0-9a-f]{8}$/, "-<hash>"))).toEqual([
      `statefulset-${stored.metadata.name ?? ""}-db`,
      `job-${stored.metadata.name ?? ""}-migrate-<hash>`,
      `deployment-${stored.metadata.name ?? ""}-webapp`,
      `statefulset-${stored.metadata.name ?? ""}-coreapp`,
      `deployment-${stored.metadata.name ?? ""}-webhook`,
    ]);
    const result = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], { input: list(pods), check: false });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it("would be refused as pods if they broke the restricted level (the check can fail)", async () => {
    const stored = await create(instance());
    const webapp = podsOf(desiredChildren(stored, testConfig, testInputs).objects, ns.name).find((p) => p.metadata?.name === "deployment-acme-webapp")!;
    const pod = structuredClone(webapp);
    for (const c of pod.spec!.containers) c.securityContext!.allowPrivilegeEscalation = true;
    const result = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(pod), check: false });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false');
  });
});
