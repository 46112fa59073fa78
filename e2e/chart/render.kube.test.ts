// The chart as rendered: lint-clean, accepted whole by the API server (server-side dry run, in a
// namespace enforcing the restricted Pod Security level), its CRD the one in crds/, its
// configuration loadable by the operator's own loader, its webhook certificate trusted by its
// caBundle, and bad values refused by the schema with a message naming the value.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Deployment, V1Secret } from "@kubernetes/client-node";
import yaml from "js-yaml";
import { loadConfig } from "../../operator/config/config.js";
import { leaseRules, rules } from "../../operator/reconciler/rbac.js";
import { testCluster, useTestNamespace } from "../testing/cluster.js";
import { chartDir, defaultValues, readText, repoRoot } from "./files.js";
import { renderChart, setArgs } from "./helm.js";

const cluster = testCluster();
const values = defaultValues();
const appVersion = (JSON.parse(readText(join(repoRoot, "package.json"))) as { version: string }).version;

describe("helm lint", () => {
  test.each([
    ["the default values", {}],
    ["an operator run locally for development", { "admissionWebhook.url": "https://127.0.0.1:9443/validate-wabainstance" }],
    ["cert-manager, a ServiceMonitor and one watched namespace", { "admissionWebhook.certificate.source": "cert-manager", "metrics.serviceMonitor.enabled": true, "operator.watchNamespace": "apps" }],
  ])("finds nothing to report with %s", async (_, set) => {
    const { stdout } = await cluster.helm(["lint", "--strict", chartDir, ...setArgs(set)]);
    expect(stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
  });
});

describe("the rendered chart", () => {
  const ns = useTestNamespace({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted" });

  test("is accepted whole by the API server under server-side apply, with no Pod Security warning", async () => {
    const rendered = await renderChart(cluster, "dry", ns.name);
    expect(new Set(rendered.manifests.map((m) => m.kind))).toEqual(new Set([
      "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ConfigMap", "Secret",
      "Service", "Deployment", "Lease", "PodDisruptionBudget", "ValidatingWebhookConfiguration",
    ]));
    // --force-conflicts: other suites of this cluster apply the same CRD under their own field manager.
    const result = await cluster.kubectl(["apply", "-n", ns.name, "--server-side", "--force-conflicts", "--field-manager=helm", "--dry-run=server", "-f", "-"], { input: rendered.text, check: false });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(rendered.manifests.length);
  });

  test("runs operator pods the restricted Pod Security level admits", async () => {
    const deployment = (await renderChart(cluster, "dry", ns.name)).one<V1Deployment>("Deployment");
    const spec = structuredClone(deployment.spec!.template.spec!);
    spec.serviceAccountName = "default"; // the chart's own does not exist in this namespace
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "operator", namespace: ns.name }, spec };
    const result = await cluster.kubectl(["create", "--dry-run=server", "-f", "-"], { input: JSON.stringify(pod), check: false });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });
});

test("the CRD it installs is crds/waba.dev_wabainstances.yaml, with Helm's labels and the keep policy added", async () => {
  const rendered = await renderChart(cluster, "crd", "waba-system");
  const crd = rendered.one<{ metadata: Record<string, unknown>; spec: unknown }>("CustomResourceDefinition");
  const source = yaml.load(readText(join(repoRoot, "crds", "waba.dev_wabainstances.yaml"))) as { metadata: { name: string; labels: Record<string, string> }; spec: unknown };
  expect(crd.spec).toEqual(source.spec);
  expect(crd.metadata).toEqual({
    name: source.metadata.name,
    labels: expect.objectContaining({ ...source.metadata.labels, "app.kubernetes.io/managed-by": "Helm" }),
    annotations: { "helm.sh/resource-policy": "keep" },
  });
  const unkept = await renderChart(cluster, "crd", "waba-system", { "crds.keep": false });
  expect(unkept.one<{ metadata: { annotations?: object } }>("CustomResourceDefinition").metadata.annotations).toBeUndefined();
  const none = await renderChart(cluster, "crd", "waba-system", { "crds.install": false });
  expect(none.manifests.filter((m) => m.kind === "CustomResourceDefinition")).toEqual([]);
});

describe("the operator configuration it renders", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "waba-chart-config-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function renderedConfig(set: Record<string, unknown> = {}) {
    const rendered = await renderChart(cluster, "cfg", "waba-system", set);
    const file = join(dir, "config.yaml");
    writeFileSync(file, rendered.one<{ data: Record<string, string> }>("ConfigMap").data["config.yaml"] ?? "");
    return { config: loadConfig(file), rendered };
  }

  test("loads through the operator's own loader with the values' tiers, regions, images and gateway", async () => {
    const { config, rendered } = await renderedConfig();
    expect(Object.keys(config.tiers).sort()).toEqual(Object.keys(values.config.tiers).sort());
    expect(config.tiers.basic).toMatchObject({ maxShards: values.config.tiers.basic?.maxShards, maxMessagesPerSecond: values.config.tiers.basic?.maxMessagesPerSecond });
    expect(config.regions).toEqual(Object.fromEntries(Object.entries(values.config.regions).map(([k, r]) => [k, { ...r, allowedStorageClassNames: [] }])));
    expect(config.images).toEqual({ runtime: `waba-runtime:${appVersion}`, postgres: "postgres:17.6" });
    expect(config.gatewayUrl).toBe("ws://waba-simulator.waba-system.svc:8080");
    expect(config.watchNamespace).toBeUndefined();
    // The webhook server reads the certificate where the Deployment mounts the webhook Secret.
    const deployment = rendered.one<V1Deployment>("Deployment");
    const tlsMount = deployment.spec?.template.spec?.containers[0]?.volumeMounts?.find((m) => m.name === "tls");
    expect(config.webhookServer).toEqual({ port: 9443, bindAddress: "0.0.0.0", certFile: `${tlsMount?.mountPath}/tls.crt`, keyFile: `${tlsMount?.mountPath}/tls.key` });
  });

  test("follows changed values: a tier's cap, a new region, a pinned runtime image, one watched namespace, no webhook", async () => {
    const { config } = await renderedConfig({
      "config.tiers.basic.maxShards": 4,
      "config.regions.us-east-1": { nodeLabelValue: "us-east-1", storageClassName: "gp3" },
      "config.regions.me-central-1": null,
      "config.images.runtime.tag": "1.2.3",
      "operator.watchNamespace": "apps",
      "admissionWebhook.enabled": false,
    });
    expect(config.tiers.basic?.maxShards).toBe(4);
    expect(Object.keys(config.regions).sort()).toEqual(["eu-central-1", "us-east-1"]);
    expect(config.images.runtime).toBe("waba-runtime:1.2.3");
    expect(config.watchNamespace).toBe("apps");
    expect(config.webhookServer).toBeUndefined();
  });

  test("rolls the operator pods when it changes, and only then", async () => {
    const checksum = async (set: Record<string, unknown>) =>
      (await renderChart(cluster, "cfg", "waba-system", set)).one<V1Deployment>("Deployment").spec?.template.metadata?.annotations?.["checksum/config"];
    expect(await checksum({})).toBe(await checksum({ "operator.logLevel": "debug" }));
    expect(await checksum({})).not.toBe(await checksum({ "config.tiers.basic.maxShards": 4 }));
  });
});

describe("NOTES.txt", () => {
  const notes = async (set: Record<string, unknown>) => {
    // A dry run changes nothing; --take-ownership only skips Helm's check against a CRD another
    // suite (or release) left in the shared cluster, which would refuse the render.
    const { stdout } = await cluster.helm(["install", "notes", chartDir, "-n", "waba-system", "--dry-run=client", "--take-ownership", ...setArgs(set)]);
    return stdout.slice(stdout.indexOf("NOTES:"));
  };

  test("tells the user how to wait for the operator, create an instance from an example and look at it", async () => {
    const text = await notes({});
    expect(text).toContain("kubectl -n waba-system rollout status deployment/notes-waba-operator");
    expect(text).toContain("Regions: eu-central-1, me-central-1. Tiers: basic, enterprise, standard.");
    expect(text).toContain("kubectl -n acme apply -f examples/basic-eu-central-1.yaml");
    expect(text).toContain("kubectl -n acme describe wabainstance acme-basic");
    expect(text).toMatch(/the WhatsApp network SIMULATOR/);
    expect(text).toMatch(/helm uninstall` keeps the WabaInstance CRD/);
  });

  test("warns about a development webhook URL, and not about the simulator once a real gateway is set", async () => {
    const text = await notes({ "admissionWebhook.url": "https://127.0.0.1:9443/validate-wabainstance", "config.gatewayUrl": "wss://gateway.example" });
    expect(text).toMatch(/WARNING: admissionWebhook.url is set .* This is for development only/s);
    expect(text).not.toMatch(/SIMULATOR/);
  });
});

describe("the operator Deployment", () => {
  test("runs 2 replicas spread over nodes, probed on /healthz and /readyz, restricted, with a read-only root and its config from the ConfigMap", async () => {
    const rendered = await renderChart(cluster, "op", "waba-system");
    const deployment = rendered.one<V1Deployment>("Deployment");
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    expect(deployment.spec?.replicas).toBe(2);
    expect(container?.image).toBe(`waba-operator:${appVersion}`);
    expect(container?.livenessProbe?.httpGet?.path).toBe("/healthz");
    expect(container?.readinessProbe?.httpGet?.path).toBe("/readyz");
    expect(container?.resources?.requests).toBeDefined();
    expect(container?.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
    expect(pod?.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: values.operator.podSecurityContext.runAsUser, seccompProfile: { type: "RuntimeDefault" } });
    expect(pod?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.[0]?.podAffinityTerm.topologyKey).toBe("kubernetes.io/hostname");
    const configVolume = pod?.volumes?.find((v) => v.configMap);
    expect(configVolume?.configMap?.name).toBe(rendered.one("ConfigMap").metadata.name);
    expect(container?.volumeMounts?.map((m) => m.name)).toContain(configVolume?.name);
    expect(pod?.serviceAccountName).toBe(rendered.one("ServiceAccount").metadata.name);
  });
});

describe("the RBAC it grants", () => {
  interface RbacRule { apiGroups?: readonly string[]; resources?: readonly string[]; verbs: readonly string[]; resourceNames?: readonly string[] }
  /** group/resource:verb[@name] for every permission a list of rules grants. */
  const grants = (list: readonly RbacRule[]) =>
    list.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).flatMap((res) => r.verbs.flatMap((v) =>
      (r.resourceNames ?? [""]).map((n) => `${g}/${res}:${v}${n ? `@${n}` : ""}`))))).sort();
  type Role = { kind: string; metadata: { name: string; namespace?: string }; rules: RbacRule[] };
  type Binding = { roleRef: { kind: string; name: string }; subjects: { kind: string; name: string; namespace: string }[] };

  test.each([
    ["every namespace: a ClusterRole", {}, "ClusterRole", undefined],
    ["one watched namespace: a Role there", { "operator.watchNamespace": "apps" }, "Role", "apps"],
  ])("is exactly the requests the operator makes (operator/reconciler/rbac.ts), bound to its ServiceAccount; %s", async (_, set, kind, namespace) => {
    const rendered = await renderChart(cluster, "rbac", "waba-system", set);
    const role = rendered.manifests.find((m) => m.kind === kind && !m.metadata.name.endsWith("-leader-election")) as unknown as Role;
    expect(role.metadata.namespace).toBe(namespace);
    expect(grants(role.rules)).toEqual(grants(rules));
    const binding = rendered.manifests.find((m) => m.kind === `${kind}Binding` && m.metadata.name === role.metadata.name) as unknown as Binding;
    const account = rendered.one("ServiceAccount").metadata;
    expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind, name: role.metadata.name });
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: account.name, namespace: "waba-system" }]);
  });

  test("lets the operator read and renew only its own Lease, in its own namespace", async () => {
    const rendered = await renderChart(cluster, "rbac", "waba-system");
    const lease = rendered.one("Lease").metadata;
    const role = rendered.manifests.find((m) => m.kind === "Role" && m.metadata.name.endsWith("-leader-election")) as unknown as Role;
    expect(role.metadata.namespace).toBe("waba-system");
    // create cannot be limited to a name; get and update are.
    expect(grants(role.rules)).toEqual(grants(leaseRules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => v === "create") })))
      .concat(grants(leaseRules.map((r) => ({ ...r, verbs: r.verbs.filter((v) => v !== "create"), resourceNames: [lease.name] })))).sort());
  });
});

describe("the admission webhook's certificate", () => {
  type Vwc = { webhooks: { clientConfig: { caBundle?: string; url?: string; service?: { name: string; namespace: string } } }[] };
  const pem = (secret: V1Secret, key: string) => Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");

  test("is made by the chart, names the webhook Service, and is signed by the CA the configuration trusts", async () => {
    const rendered = await renderChart(cluster, "hook", "waba-system");
    const secret = rendered.one<V1Secret>("Secret");
    const webhook = rendered.one<Vwc>("ValidatingWebhookConfiguration").webhooks[0];
    const ca = new X509Certificate(Buffer.from(webhook?.clientConfig.caBundle ?? "", "base64"));
    const cert = new X509Certificate(pem(secret, "tls.crt"));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(pem(secret, "ca.crt")).toBe(ca.toString());
    const service = webhook?.clientConfig.service;
    expect(cert.checkHost(`${service?.name}.${service?.namespace}.svc`)).toBe(`${service?.name}.${service?.namespace}.svc`);
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 365 * 24 * 3600 * 1000);
  });

  test("also names the host of a development URL, which the API server then calls instead of the Service", async () => {
    const rendered = await renderChart(cluster, "hook", "waba-system", { "admissionWebhook.url": "https://127.0.0.1:9443/validate-wabainstance" });
    const webhook = rendered.one<Vwc>("ValidatingWebhookConfiguration").webhooks[0];
    expect(webhook?.clientConfig).toEqual({ url: "https://127.0.0.1:9443/validate-wabainstance", caBundle: expect.any(String) });
    expect(new X509Certificate(pem(rendered.one<V1Secret>("Secret"), "tls.crt")).checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(rendered.manifests.filter((m) => m.kind === "Service").map((m) => m.metadata.name)).toEqual(["hook-waba-operator-metrics"]);
    // The operator running next to the API server listens on that loopback address only.
    const config = yaml.load(rendered.one<{ data: Record<string, string> }>("ConfigMap").data["config.yaml"] ?? "") as { webhookServer: { bindAddress: string; port: number } };
    expect(config.webhookServer).toMatchObject({ bindAddress: "127.0.0.1", port: 9443 });
  });

  test("comes from cert-manager when asked, which injects the CA", async () => {
    const rendered = await renderChart(cluster, "hook", "waba-system", { "admissionWebhook.certificate.source": "cert-manager" });
    const certificate = rendered.one<{ spec: { secretName: string; dnsNames: string[]; issuerRef: { kind: string; name: string } } }>("Certificate");
    const issuer = rendered.one("Issuer");
    const vwc = rendered.one<Vwc & { metadata: { annotations: Record<string, string> } }>("ValidatingWebhookConfiguration");
    expect(rendered.manifests.filter((m) => m.kind === "Secret")).toEqual([]);
    expect(certificate.spec.issuerRef).toEqual({ kind: "Issuer", name: issuer.metadata.name });
    expect(certificate.spec.dnsNames).toContain("hook-waba-operator-webhook.waba-system.svc");
    expect(vwc.metadata.annotations["cert-manager.io/inject-ca-from"]).toBe("waba-system/hook-waba-operator-webhook");
    expect(vwc.webhooks[0]?.clientConfig.caBundle).toBeUndefined();
  });
});

describe("bad values", () => {
  test.each([
    ["an unknown tier field", { "config.tiers.basic.maxShard": 4 }, /config\/tiers\/basic.*maxShard/s],
    ["negative operator replicas", { "operator.replicas": -1 }, /operator\/replicas.*minimum/s],
    ["a tier shard cap that is not a power of two", { "config.tiers.basic.maxShards": 3 }, /config\/tiers\/basic\/maxShards/],
    ["a gateway that is not a WebSocket URL", { "config.gatewayUrl": "http://gateway" }, /config\/gatewayUrl/],
    ["a webhook URL that is not https", { "admissionWebhook.url": "http://127.0.0.1:9443/x" }, /admissionWebhook\/url/],
  ])("are refused at install with a message naming the value: %s", async (_, set, message) => {
    const result = await cluster.helm(["template", "bad", chartDir, ...setArgs(set)], { check: false });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("values don't meet the specifications of the schema");
    expect(result.stderr).toMatch(message);
  });
});
