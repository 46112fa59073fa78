// The chart's RBAC is what the operator needs, not decoration: with one verb it uses taken out
// of its Role (create on Deployments: a server-side apply that creates an object needs create,
// not only patch), an instance cannot converge and the API server says why; with the verb back,
// the same instance becomes Ready. The release watches one namespace, so its rules are a Role
// there (the lifecycle suite covers the default ClusterRole).
import { join } from "node:path";
import { CoreV1Api, RbacAuthorizationV1Api, type V1Role } from "@kubernetes/client-node";
import { installCrd } from "../../operator/api/testing/install-crd.js";
import { waitFor } from "../testing/cluster.js";
import { describeInstances, instances } from "./cluster-helpers.js";
import { chartDir, examplesDir } from "./files.js";
import { setArgs } from "./helm.js";
import { patience, useSuite } from "./target.js";

const suite = useSuite();
beforeAll(async () => {
  await installCrd(suite.cluster);
});

test("without create on Deployments the operator cannot build an instance; with it back the instance becomes Ready", async () => {
  const { cluster } = suite;
  const system = await suite.namespace("waba-system");
  const apps = await suite.namespace("acme");
  const release = "rbac";
  const values = {
    "crds.install": false,
    "operator.watchNamespace": apps, // the webhook then reviews this namespace only
    ...(await suite.releaseValues()),
  };
  await cluster.helm(["install", release, chartDir, "-n", system, "--wait", "--timeout", "5m", ...setArgs(values)]);

  // Take `create` out of the rule on Deployments in the release's Role.
  const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const name = `${release}-waba-operator`;
  const granted = await rbac.readNamespacedRole({ name, namespace: apps });
  const deploymentsRule = (role: V1Role) => role.rules?.find((r) => r.apiGroups?.includes("apps") && r.resources?.includes("deployments"));
  expect(deploymentsRule(granted)?.verbs).toContain("create");
  const reduced = structuredClone(granted);
  const rule = deploymentsRule(reduced)!;
  rule.verbs = rule.verbs.filter((v) => v !== "create");
  await rbac.replaceNamespacedRole({ name, namespace: apps, body: reduced });

  const operator = await suite.startOperator(system, release);
  await cluster.kubectl(["apply", "-n", apps, "-f", join(examplesDir, "basic-eu-central-1.yaml")]);

  // The operator gets as far as the children it may create, and reports the refusal on the instance.
  const failed = await waitFor(async () => {
    const [instance] = await instances(cluster, apps);
    return instance?.status?.conditions?.find((c) => c.type === "Ready" && c.reason === "ApplyFailed");
  }, { what: "acme-basic's Ready condition reporting the refused writes", timeoutMs: patience, intervalMs: 500 }).catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\nseen: ${describeInstances(await instances(cluster, apps))}\noperator: ${operator.output().slice(-2000)}`);
  });
  expect(failed.status).toBe("False");
  expect(failed.message).toMatch(/deployments.*forbidden|forbidden.*deployments/i);
  await cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name: "acme-basic-credentials", namespace: apps }); // what it may create, it did
  const { stdout } = await cluster.kubectl(["get", "deployments", "-n", apps, "-o", "name"]);
  expect(stdout.trim()).toBe("");
  expect((await instances(cluster, apps))[0]?.status?.phase).not.toBe("Ready");

  // With the verb back (as the chart grants it), the same instance converges.
  const back = structuredClone(granted);
  back.metadata!.resourceVersion = (await rbac.readNamespacedRole({ name, namespace: apps })).metadata?.resourceVersion;
  await rbac.replaceNamespacedRole({ name, namespace: apps, body: back });
  await waitFor(async () => {
    const [instance] = await instances(cluster, apps);
    return instance?.status?.phase === "Ready";
  }, { what: "acme-basic Ready once the Role grants create again", timeoutMs: patience, intervalMs: 500 }).catch(async (e: unknown) => {
    throw new Error(`${(e as Error).message}\nseen: ${describeInstances(await instances(cluster, apps))}\noperator: ${operator.output().slice(-2000)}`);
  });
}, 3 * patience);
