// The CRD in a real API server: what it accepts, defaults, refuses, shows and scales.
import { testCluster, useTestNamespace } from "../../e2e/testing/cluster.js";
import { fullInstance, instance } from "./testing/examples.js";
import { withDefaults } from "./testing/crd.js";
import { installCrd } from "./testing/install-crd.js";
import type { WabaInstance } from "./types.js";

const cluster = testCluster();
const ns = useTestNamespace();

/** The instance as a user writes it: no server-set metadata. */
function manifest(source: WabaInstance, namespace: string, spec: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: source.apiVersion,
    kind: source.kind,
    metadata: { name: source.metadata.name, namespace },
    spec: { ...source.spec, ...spec },
  });
}

async function apply(json: string) {
  return cluster.kubectl(["apply", "-f", "-"], { input: json, check: false });
}

async function read(name: string): Promise<WabaInstance> {
  return JSON.parse((await cluster.kubectl(["get", "wabainstance", name, "-n", ns.name, "-o", "json"])).stdout) as WabaInstance;
}

beforeAll(async () => {
  await installCrd(cluster);
});

describe("the WabaInstance CRD in the API server", () => {
  it("accepts a fully populated instance, its status, and shows the printer columns", async () => {
    expect((await apply(manifest(fullInstance, ns.name))).code).toBe(0);
    const status = JSON.stringify({ status: fullInstance.status });
    await cluster.kubectl(["patch", "wabainstance", "full", "-n", ns.name, "--subresource=status", "--type=merge", "-p", status]);
    const stored = await read("full");
    expect(stored.spec).toEqual(fullInstance.spec);
    expect(stored.status).toEqual(fullInstance.status);

    const { stdout } = await cluster.kubectl(["get", "wabainstances", "-n", ns.name]);
    const [header, row] = stdout.trim().split("\n").map((line) => line.trim().split(/\s+/));
    expect(header).toEqual(["NAME", "NUMBER", "REGION", "TIER", "SHARDS", "PHASE", "AGE"]);
    expect(row?.slice(0, 6)).toEqual(["full", "+966501234567", "me-central-1", "enterprise", "8", "Ready"]);
    const wide = (await cluster.kubectl(["get", "waba", "-n", ns.name, "-o", "wide"])).stdout;
    expect(wide.split("\n")[0]?.trim().split(/\s+/)).toEqual(["NAME", "NUMBER", "REGION", "TIER", "SHARDS", "READY", "CAPACITY", "PHASE", "AGE"]);
  });

  it("fills the same defaults as the unit tests assume", async () => {
    const written = { phoneNumber: "+15551234567", region: "eu-central-1", tier: "standard", webhooks: [{ url: "https://h.example/in", secretRef: { name: "h" } }] };
    const json = JSON.stringify({ apiVersion: "waba.dev/v1alpha1", kind: "WabaInstance", metadata: { name: "minimal", namespace: ns.name }, spec: written });
    expect((await apply(json)).code).toBe(0);
    expect((await read("minimal")).spec).toEqual(withDefaults({ spec: written }).spec);
  });

  it.each([
    ["a number that is not E.164", { phoneNumber: "5551234" }, 'spec.phoneNumber: Invalid value: "5551234": spec.phoneNumber must be an E.164 number'],
    ["3 shards", { shards: 3 }, "spec.shards: Invalid value: 3: spec.shards must be 1, 2, 4, 8, 16 or 32"],
    ["throughput and shards together", { shards: 4, throughput: 40 }, "spec.throughput and spec.shards are mutually exclusive"],
    ["an unknown retention policy", { persistentVolumeClaimRetentionPolicy: { whenDeleted: "Forever" } }, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Forever"'],
    ["a plain-http webhook outside the cluster", { webhooks: [{ url: "http://hooks.example.com/in", secretRef: { name: "h" } }] }, "spec.webhooks[0].url: Invalid value"],
    ["both a managed and an external database", { database: { managed: {}, external: { secretRef: { name: "db" } } } }, "spec.database must set exactly one of managed or external"],
    ["an operator label in the pod overrides", { podTemplate: { labels: { "app.kubernetes.io/instance": "x" } } }, "spec.podTemplate.labels must not set app.kubernetes.io/name, instance"],
    ["a toleration the API server would refuse in a pod", { podTemplate: { tolerations: [{ key: "k", effect: "NoSchedule", tolerationSeconds: 5 }] } }, "spec.podTemplate.tolerations[].tolerationSeconds needs effect NoExecute"],
    ["a pod label that is not a label", { podTemplate: { labels: { "bad key!": "x" } } }, "spec.podTemplate.labels keys must be qualified names"],
    ["a database size that is not a quantity", { database: { managed: { size: "lots" } } }, "spec.database.managed.size must be a positive quantity"],
  ])("refuses %s, naming the field", async (_, spec, message) => {
    const { code, stderr } = await apply(manifest(instance({}, "refused"), ns.name, spec));
    expect(code).not.toBe(0);
    expect(stderr).toContain(message);
  });

  it("refuses an instance name its children could not be named after", async () => {
    const { stderr } = await apply(manifest(instance({}, "a".repeat(45)), ns.name));
    expect(stderr).toContain("metadata.name must be at most 44 characters");
  });

  it("refuses to change the phone number, the region or shrink the volumes after creation", async () => {
    expect((await apply(manifest(instance(), ns.name))).code).toBe(0);
    for (const [spec, message] of [
      [{ phoneNumber: "+15557654321" }, "spec.phoneNumber: Invalid value: \"+15557654321\": spec.phoneNumber is immutable"],
      [{ region: "me-central-1" }, "spec.region is immutable"],
      [{ media: { size: "1Gi" } }, "spec.media.size can grow but not shrink"],
      [{ media: { accessMode: "ReadWriteOnce" } }, "spec.media.accessMode is immutable"],
    ] as const) {
      const { code, stderr } = await apply(manifest(instance(), ns.name, spec));
      expect(code).not.toBe(0);
      expect(stderr).toContain(message);
    }
    expect((await read("acme")).spec.phoneNumber).toBe("+15551234567");
  });

  it("explains the webhooks field with descriptions", async () => {
    const { stdout } = await cluster.kubectl(["explain", "wabainstance.spec.webhooks"]);
    expect(stdout).toContain("Endpoints that receive inbound messages and message statuses.");
    expect(stdout).toMatch(/url\s+<string> -required-\s+Where events are POSTed. Must be https/);
    expect(stdout).toContain("Payload format: onprem");
  });

  it("scales through spec.shards with kubectl scale, and tells a throughput user why not", async () => {
    expect((await apply(manifest(instance(), ns.name))).code).toBe(0);
    await cluster.kubectl(["scale", "wabainstance", "acme", "-n", ns.name, "--replicas=8"]);
    expect((await read("acme")).spec.shards).toBe(8);
    const status = { status: { readyShards: 5, selector: "app.kubernetes.io/instance=acme,app.kubernetes.io/component=coreapp" } };
    await cluster.kubectl(["patch", "wabainstance", "acme", "-n", ns.name, "--subresource=status", "--type=merge", "-p", JSON.stringify(status)]);
    const scale = JSON.parse((await cluster.kubectl(["get", "wabainstance", "acme", "-n", ns.name, "--subresource=scale", "-o", "json"])).stdout) as {
      spec: { replicas: number };
      status: { replicas: number; selector: string };
    };
    expect(scale.spec.replicas).toBe(8);
    expect(scale.status).toEqual({ replicas: 5, selector: status.status.selector });
    const refused = await cluster.kubectl(["scale", "wabainstance", "acme", "-n", ns.name, "--replicas=3"], { check: false });
    expect(refused.stderr).toContain("spec.shards must be 1, 2, 4, 8, 16 or 32");

    expect((await apply(manifest(instance({}, "by-load"), ns.name, { throughput: 40 }))).code).toBe(0);
    const byLoad = await cluster.kubectl(["scale", "wabainstance", "by-load", "-n", ns.name, "--replicas=4"], { check: false });
    expect(byLoad.stderr).toContain("spec.shards (what `kubectl scale --replicas` sets)");
  });
});
