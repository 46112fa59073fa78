// The chart's whole life on a cluster, as a provider lives it: helm install into a namespace
// enforcing the restricted Pod Security level; the operator under the chart's ServiceAccount
// (here a local process impersonating it, on kind the chart's own pods); every example applied
// and Ready; a duplicate number refused by the chart's webhook; helm upgrade to a next chart
// version, its new CRD reaching the cluster and a changed tier reaching the operator; helm
// uninstall leaving nothing of the operator behind, while the CRD and the data of the instance
// that asked to keep it stay.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { waitFor } from "../testing/cluster.js";
import { describeInstances, instances } from "./cluster-helpers.js";
import { chartDir, examples, examplesDir } from "./files.js";
import { setArgs } from "./helm.js";
import { operatorDeployment } from "./operator.js";
import { patience, useSuite } from "./target.js";

const suite = useSuite();

/** A copy of the chart as a next version would ship it: its CRD gains a printer column. */
function nextChartVersion(): { dir: string; addedColumn: string; remove(): void } {
  const dir = join(mkdtempSync(join(tmpdir(), "waba-chart-next-")), "waba-operator");
  cpSync(chartDir, dir, { recursive: true });
  const crd = join(dir, "files", "waba.dev_wabainstances.yaml");
  const column = "        - name: Endpoint\n          type: string\n          jsonPath: .status.endpoint\n          description: The in-cluster URL of the API.\n          priority: 1\n";
  writeFileSync(crd, readFileSync(crd, "utf8").replace("      additionalPrinterColumns:\n", `      additionalPrinterColumns:\n${column}`));
  return { dir, addedColumn: "Endpoint", remove: () => { rmSync(dirname(dir), { recursive: true, force: true }); } };
}

test("installed with helm, the operator makes every example Ready and refuses a duplicate number; an upgrade brings a new CRD and tier; an uninstall leaves only the kept data", async () => {
  const { cluster } = suite;
  const system = await suite.namespace("waba-system");
  const apps = await suite.namespace("acme");
  const release = "waba";
  const values = { "crds.install": suite.installsCrd, ...(await suite.releaseValues()) };

  // Install: helm --wait proves the chart's pods were admitted under restricted and became Ready.
  await cluster.helm(["install", release, chartDir, "-n", system, "--wait", "--timeout", "5m", ...setArgs(values)]);
  const before = await operatorDeployment(cluster, system, release);
  expect(before.status?.readyReplicas).toBe(2);
  const operator = await suite.startOperator(system, release);

  // Every example, applied as it is, becomes Ready.
  await cluster.kubectl(["apply", "-n", apps, "-f", examplesDir]);
  const names = examples().flatMap((e) => e.manifests.filter((m) => m.kind === "WabaInstance").map((m) => m.metadata.name)).sort();
  await waitFor(async () => {
    const items = await instances(cluster, apps);
    return items.length === names.length && items.every((i) => i.status?.phase === "Ready") ? items : undefined;
  }, { what: `every example Ready (operator output: ${operator.output().slice(-2000)})`, timeoutMs: patience, intervalMs: 500 }).catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\nseen: ${describeInstances(await instances(cluster, apps))}`);
  });

  // The chart's webhook answers (its certificate is trusted) and refuses a number in use.
  const duplicate = { apiVersion: "waba.dev/v1alpha1", kind: "WabaInstance", metadata: { name: "copycat" }, spec: { phoneNumber: "+493012345601", region: "eu-central-1", tier: "basic" } };
  const refused = await cluster.kubectl(["create", "-n", apps, "-f", "-"], { input: JSON.stringify(duplicate), check: false });
  expect(refused.code).not.toBe(0);
  // Only the webhook can know another instance holds the number (the CRD's rules see one object).
  expect(refused.stderr).toMatch(new RegExp(`spec\\.phoneNumber: \\+493012345601 is already used by WabaInstance ${apps}/acme-basic`));

  // Upgrade to a next chart version, whose CRD has one more printer column, with a changed value:
  // the standard tier now allows 2 shards, so acme-standard (40 messages/s: 4 shards) drops to 2.
  const standard = async () => (await instances(cluster, apps)).find((i) => i.metadata.name === "acme-standard");
  expect((await standard())?.status?.desiredShards).toBe(4);
  const next = nextChartVersion();
  await cluster.helm(["upgrade", release, next.dir, "-n", system, "--reuse-values", "--wait", "--timeout", "5m", ...setArgs({ "config.tiers.standard.maxShards": 2 })]);
  next.remove();
  if (suite.installsCrd) {
    const { stdout } = await cluster.kubectl(["get", "crd", "wabainstances.waba.dev", "-o", "jsonpath={.spec.versions[0].additionalPrinterColumns[*].name}"]);
    expect(stdout.split(" ")).toContain(next.addedColumn); // Helm upgraded the CRD (it never upgrades a crds/ directory)
  }
  const after = await operatorDeployment(cluster, system, release);
  const checksum = (d: typeof after) => d.spec?.template.metadata?.annotations?.["checksum/config"];
  expect(checksum(after)).not.toBe(checksum(before)); // the pods roll onto the new configuration
  await operator.restart();
  const apps1 = cluster.kubeConfig.makeApiClient(AppsV1Api);
  await waitFor(async () => {
    const [instance, coreapps] = await Promise.all([standard(), apps1.readNamespacedStatefulSet({ name: "acme-standard-coreapp", namespace: apps })]);
    return instance?.status?.desiredShards === 2 && coreapps.spec?.replicas === 3 && instance.status.phase === "Ready";
  }, { what: "acme-standard capped to 2 shards (3 CoreApps) by the upgraded tier", timeoutMs: patience, intervalMs: 500 });

  // Uninstall, after the instances: nothing of the operator stays but the CRD (kept).
  await cluster.kubectl(["delete", "wabainstances", "--all", "-n", apps, "--wait", "--timeout=120s"]);
  await cluster.helm(["uninstall", release, "-n", system, "--wait", "--timeout", "2m"]);
  await operator.stop();
  const selector = `app.kubernetes.io/instance=${release}`;
  await waitFor(async () => {
    const namespaced = await cluster.kubectl(["get", "all,configmaps,secrets,serviceaccounts,roles,rolebindings,leases,poddisruptionbudgets", "-n", system, "-l", selector, "-o", "name"]);
    const clusterWide = await cluster.kubectl(["get", "clusterroles,clusterrolebindings,validatingwebhookconfigurations", "-l", selector, "-o", "name"]);
    const left = `${namespaced.stdout}${clusterWide.stdout}`.trim();
    return left === "" || undefined;
  }, { what: "no object of the release left", timeoutMs: 60_000 });
  if (suite.installsCrd) await cluster.kubectl(["get", "crd", "wabainstances.waba.dev"]);

  // Data: kept for acme-enterprise (whenDeleted: Retain), gone with acme-basic (Delete).
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
  const claims = async (instance: string) => (await core.listNamespacedPersistentVolumeClaim({ namespace: apps, labelSelector: `app.kubernetes.io/instance=${instance}` })).items.map((c) => c.metadata?.name).sort();
  expect(await claims("acme-enterprise")).toEqual(["acme-enterprise-media", "data-acme-enterprise-db-0"]);
  await core.readNamespacedSecret({ name: "acme-enterprise-credentials", namespace: apps });
  await waitFor(async () => (await claims("acme-basic")).length === 0, { what: "acme-basic's volumes deleted with it", timeoutMs: 60_000 });
}, 3 * patience);
