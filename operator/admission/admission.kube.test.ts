// The admission webhook behind a real API server: the server runs here on 127.0.0.1, registered
// with a `url:` ValidatingWebhookConfiguration that only applies to this run's test namespaces
// (a label of their own), and is deleted afterwards.
import { randomBytes, randomInt } from "node:crypto";
import { join } from "node:path";
import { CustomObjectsApi } from "@kubernetes/client-node";
import { testCluster, useTestNamespace, waitFor } from "../../e2e/testing/cluster.js";
import { createTestNamespace, deleteTestNamespace } from "../../e2e/testing/namespace.js";
import { installCrd } from "../api/testing/install-crd.js";
import type { WabaInstance } from "../api/types.js";
import { testConfig } from "../config/testing/config.js";
import { KubeClient } from "../controller/client.js";
import { Informer } from "../controller/informer.js";
import { silentLogger } from "../controller/logger.js";
import { OperatorMetrics } from "../controller/metrics.js";
import { startAdmissionServer, validatePath, type AdmissionServer } from "./server.js";
import { certificateDir, createCertificateAuthority, fingerprintOf, servedFingerprint } from "./testing/certificates.js";

const cluster = testCluster();
const run = randomBytes(4).toString("hex");
/** Only namespaces with this label (this file's, this run's) are sent to the webhook. */
const suiteLabel = { "e2e.waba.local/admission-suite": run };
const here = useTestNamespace(suiteLabel);
const elsewhere = useTestNamespace(suiteLabel);
const configurationName = `waba-admission-test-${run}`;
const webhookName = "wabainstances.waba.dev";

const tmp = certificateDir("waba-admission-kube-");
const certFile = join(tmp.dir, "tls.crt");
const keyFile = join(tmp.dir, "tls.key");
const metrics = new OperatorMetrics({ defaultMetrics: false });
const informer = new Informer<WabaInstance>({ path: "/apis/waba.dev/v1alpha1/wabainstances" }, { client: new KubeClient({ kubeConfig: cluster.kubeConfig, metrics }), metrics });
const probeNamespace = `admission-probe-${run}`;
let server: AdmissionServer | undefined;
let port = 0;

/** A number no other suite on the shared cluster uses. */
const freshNumber = () => `+1555${String(randomInt(10_000_000)).padStart(7, "0")}`;

function manifest(name: string, namespace: string, spec: Record<string, unknown>): string {
  return JSON.stringify({ apiVersion: "waba.dev/v1alpha1", kind: "WabaInstance", metadata: { name, namespace }, spec: { region: "eu-central-1", tier: "standard", ...spec } });
}
const apply = (json: string, ...flags: string[]) => cluster.kubectl(["apply", ...flags, "-f", "-"], { input: json, check: false });

function webhookConfiguration(name: string, caPem: string): string {
  return JSON.stringify({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: configurationName },
    webhooks: [
      {
        name,
        admissionReviewVersions: ["v1"],
        sideEffects: "None",
        failurePolicy: "Fail",
        timeoutSeconds: 5,
        matchPolicy: "Equivalent",
        namespaceSelector: { matchLabels: suiteLabel },
        // As the chart renders it: metadata-only updates (labels, finalizers) are not sent.
        matchConditions: [{ name: "spec-changed", expression: "request.operation == 'CREATE' || object.spec != oldObject.spec" }],
        clientConfig: { url: `https://127.0.0.1:${port}${validatePath}`, caBundle: Buffer.from(caPem).toString("base64") },
        rules: [{ apiGroups: ["waba.dev"], apiVersions: ["v1alpha1"], operations: ["CREATE", "UPDATE"], resources: ["wabainstances", "wabainstances/scale"], scope: "Namespaced" }],
      },
    ],
  });
}

/**
 * Waits until the API server sends this namespace's creations to the webhook called `name`. The
 * API's Status message names the webhook (kubectl shows only the causes of an Invalid Status).
 */
async function webhookActive(name: string, namespace: string): Promise<void> {
  const api = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  const body = JSON.parse(manifest("probe", namespace, { phoneNumber: freshNumber(), region: "mars-1" })) as object;
  const expected = `admission webhook "${name}" denied the request: spec.region "mars-1"`;
  await waitFor(
    async () => {
      const message = await api.createNamespacedCustomObject({ group: "waba.dev", version: "v1alpha1", plural: "wabainstances", namespace, body, dryRun: "All" }).then(
        () => "the dry run was accepted",
        (e: unknown) => (JSON.parse(String((e as { body?: unknown }).body)) as { message?: string }).message ?? String(e),
      );
      if (message.startsWith(expected)) return true;
      throw new Error(message); // what the timeout reports
    },
    { what: `the API server calling webhook ${name}`, intervalMs: 250 },
  );
}

async function admissionCount(operation: string, result: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric("operator_admission_requests_total")?.get())?.values ?? [];
  return values.find((v) => v.labels.operation === operation && v.labels.result === result)?.value ?? 0;
}

const cached = (namespace: string, name: string) => waitFor(() => informer.get(namespace, name), { what: `${namespace}/${name} in the informer cache` });

beforeAll(async () => {
  const ca = createCertificateAuthority(tmp.dir);
  ca.issue(certFile, keyFile);
  await installCrd(cluster);
  informer.start();
  await informer.waitForSync();
  server = await startAdmissionServer({
    port: 0,
    host: "127.0.0.1",
    certFile,
    keyFile,
    config: testConfig,
    instances: () => informer.list(),
    logger: silentLogger(),
    metrics,
    certReloadIntervalMs: 200,
  });
  port = server.port;
  await cluster.kubectl(["apply", "-f", "-"], { input: webhookConfiguration(webhookName, ca.caPem) });
  await createTestNamespace(cluster.kubeConfig, probeNamespace, suiteLabel);
  await webhookActive(webhookName, probeNamespace);
});

afterAll(async () => {
  await cluster.kubectl(["delete", "validatingwebhookconfiguration", configurationName, "--ignore-not-found"]);
  await deleteTestNamespace(cluster.kubeConfig, probeNamespace).catch(() => undefined);
  await informer.stop();
  await server?.close();
  tmp.remove();
});

describe("the admission webhook behind the API server", () => {
  it("refuses a second instance with a number already used in another namespace, naming the field and the other instance", async () => {
    const number = freshNumber();
    expect((await apply(manifest("first", elsewhere.name, { phoneNumber: number }))).code).toBe(0);
    await cached(elsewhere.name, "first");

    const second = await apply(manifest("second", here.name, { phoneNumber: number }));
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`The WabaInstance "second" is invalid: spec.phoneNumber: ${number} is already used by WabaInstance ${elsewhere.name}/first`);
    expect((await cluster.kubectl(["get", "wabainstance", "second", "-n", here.name], { check: false })).stderr).toContain("NotFound");
  });

  it("refuses an unknown region and an unknown tier, naming the value and the allowed ones", async () => {
    const region = await apply(manifest("acme", here.name, { phoneNumber: freshNumber(), region: "mars-1" }));
    expect(region.code).not.toBe(0);
    expect(region.stderr).toContain('The WabaInstance "acme" is invalid: spec.region: "mars-1" is not a configured region (allowed: eu-central-1, me-central-1)');
    const tier = await apply(manifest("acme", here.name, { phoneNumber: freshNumber(), tier: "gold" }));
    expect(tier.code).not.toBe(0);
    expect(tier.stderr).toContain('The WabaInstance "acme" is invalid: spec.tier: "gold" is not a configured tier (allowed: basic, standard, enterprise)');
  });

  it("accepts shards above the tier's maximum with a warning kubectl shows, on apply and on scale", async () => {
    const created = await apply(manifest("small", here.name, { phoneNumber: freshNumber(), tier: "basic", shards: 16 }));
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("Warning: spec.shards is 16, but tier basic allows at most 2 shards; running 2");
    await cached(here.name, "small");

    const scaled = await cluster.kubectl(["scale", "wabainstance", "small", "-n", here.name, "--replicas=8"]);
    expect(scaled.stderr).toContain("Warning: spec.shards is 8, but tier basic allows at most 2 shards; running 2");
    expect((await cluster.kubectl(["get", "wabainstance", "small", "-n", here.name, "-o", "jsonpath={.spec.shards}"])).stdout).toBe("8");
  });

  it("accepts an update that keeps the number (an instance is not a duplicate of itself)", async () => {
    const number = freshNumber();
    expect((await apply(manifest("acme", here.name, { phoneNumber: number }))).code).toBe(0);
    await cached(here.name, "acme");

    const updates = await admissionCount("UPDATE", "allowed");
    const updated = await apply(manifest("acme", here.name, { phoneNumber: number, tier: "enterprise" }));
    expect(updated).toMatchObject({ code: 0, stderr: "" });
    expect(await admissionCount("UPDATE", "allowed")).toBe(updates + 1);
    expect((await cluster.kubectl(["get", "wabainstance", "acme", "-n", here.name, "-o", "jsonpath={.spec.tier}"])).stdout).toBe("enterprise");

    // A metadata-only update never reaches the webhook (matchConditions), so it works while the webhook is down.
    await cluster.kubectl(["label", "wabainstance", "acme", "-n", here.name, "team=messaging"]);
    expect(await admissionCount("UPDATE", "allowed")).toBe(updates + 1);
  });

  it("serves a rotated certificate to new connections without a restart, and the API server trusts it", async () => {
    const rotatedCa = createCertificateAuthority(tmp.dir, "rotated-webhook-ca");
    const rotated = rotatedCa.issue(certFile, keyFile);
    await waitFor(async () => (await servedFingerprint(port)) === fingerprintOf(rotated), { what: "the rotated certificate on a new connection" });

    // The configuration now trusts only the new CA; the renamed webhook shows when the API server uses it.
    const renamed = `rotated.${webhookName}`;
    await cluster.kubectl(["apply", "-f", "-"], { input: webhookConfiguration(renamed, rotatedCa.caPem) });
    await webhookActive(renamed, here.name);
  });
});
