// What can be checked of the chart without a cluster or helm: the CRD it ships is crds/'s, its
// version is package.json's (the images' tag), and its default regions, examples and the kind
// set-up fit together.
import { join } from "node:path";
import yaml from "js-yaml";
import { chartDir, defaultValues, documents, examples, kindDir, readText, repoRoot, type Manifest } from "./files.js";

const values = defaultValues();

test("the chart's CRD file is byte for byte the CRD in crds/", () => {
  expect(readText(join(chartDir, "files", "waba.dev_wabainstances.yaml"))).toBe(readText(join(repoRoot, "crds", "waba.dev_wabainstances.yaml")));
});

test("the chart's version and appVersion are package.json's version, which tags the images", () => {
  const chart = yaml.load(readText(join(chartDir, "Chart.yaml"))) as { version: string; appVersion: string };
  const { version } = JSON.parse(readText(join(repoRoot, "package.json"))) as { version: string };
  expect({ version: chart.version, appVersion: chart.appVersion }).toEqual({ version, appVersion: version });
});

describe("the examples", () => {
  const instances = examples().flatMap(({ file, manifests }) => manifests.filter((m) => m.kind === "WabaInstance").map((m) => ({ file, m: m as Manifest & { spec: { phoneNumber: string; region: string; tier: string } } })));

  test("are one WabaInstance per file, with distinct names and numbers and no namespace (the user picks it)", () => {
    expect(instances.map((i) => i.file)).toEqual(examples().map((e) => e.file));
    expect(new Set(instances.map((i) => i.m.metadata.name)).size).toBe(instances.length);
    expect(new Set(instances.map((i) => i.m.spec.phoneNumber)).size).toBe(instances.length);
    expect(examples().flatMap((e) => e.manifests).filter((m) => m.metadata.namespace)).toEqual([]);
  });

  test("name only regions and tiers the chart configures by default, and cover both regions and every tier", () => {
    for (const { m } of instances) {
      expect(Object.keys(values.config.regions)).toContain(m.spec.region);
      expect(Object.keys(values.config.tiers)).toContain(m.spec.tier);
    }
    expect(new Set(instances.map((i) => i.m.spec.region))).toEqual(new Set(Object.keys(values.config.regions)));
    expect(new Set(instances.map((i) => i.m.spec.tier))).toEqual(new Set(Object.keys(values.config.tiers)));
  });
});

describe("the kind set-up", () => {
  test("has a worker labelled with each default region (and a zone of it)", () => {
    const cluster = yaml.load(readText(join(kindDir, "cluster.yaml"))) as { nodes: { role: string; labels?: Record<string, string> }[] };
    const workers = cluster.nodes.filter((n) => n.role === "worker");
    for (const region of Object.values(values.config.regions)) {
      const node = workers.find((n) => n.labels?.["topology.kubernetes.io/region"] === region.nodeLabelValue);
      expect(node?.labels?.["topology.kubernetes.io/zone"]).toMatch(new RegExp(`^${region.nodeLabelValue}[a-z]$`));
    }
  });

  test.each([["kind", join(kindDir, "storage-classes.yaml")], ["the local control plane", join(repoRoot, "e2e", "cluster", "storage-classes.yaml")]])(
    "%s has the StorageClass of every default region, restricted to the region",
    (_, file) => {
      const classes = documents(readText(file)) as (Manifest & { allowedTopologies: { matchLabelExpressions: { key: string; values: string[] }[] }[] })[];
      for (const region of Object.values(values.config.regions)) {
        const sc = classes.find((c) => c.metadata.name === region.storageClassName);
        expect(sc?.allowedTopologies).toEqual([{ matchLabelExpressions: [{ key: "topology.kubernetes.io/region", values: [region.nodeLabelValue] }] }]);
      }
    },
  );

  test("runs the webhook receiver that the webhooks example posts to, with the example's secret", () => {
    const example = examples().find((e) => e.file === "webhooks.yaml")!.manifests;
    const instance = example.find((m) => m.kind === "WabaInstance") as Manifest & { spec: { webhooks: { url: string; secretRef: { name: string; key: string } }[] } };
    const [hook] = instance.spec.webhooks;
    const exampleSecret = example.find((m) => m.kind === "Secret" && m.metadata.name === hook?.secretRef.name) as Manifest & { stringData: Record<string, string> };
    const receiver = documents(readText(join(kindDir, "receiver.yaml"))) as (Manifest & { stringData?: Record<string, string> })[];
    const receiverSecret = receiver.find((m) => m.kind === "Secret");
    const service = receiver.find((m) => m.kind === "Service") as Manifest & { spec: { ports: { port: number }[] } };
    expect(hook?.url).toBe(`http://${service.metadata.name}.waba-system.svc:${service.spec.ports[0]?.port}/webhook`);
    expect(receiverSecret?.stringData?.hmac).toBe(exampleSecret.stringData[hook?.secretRef.key ?? ""]);
  });
});
