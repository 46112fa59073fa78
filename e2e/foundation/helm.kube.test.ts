// Helm works against the local cluster: it is how users install the operator.
import { fileURLToPath } from "node:url";
import { AppsV1Api, CoreV1Api } from "@kubernetes/client-node";
import { testCluster, useTestNamespace } from "../testing/cluster.js";

const cluster = testCluster();
const ns = useTestNamespace();
const chart = fileURLToPath(new URL("./fixtures/hello-chart", import.meta.url));

test("helm install of a chart waits for its Deployment to be ready, and helm uninstall removes what it installed", async () => {
  const apps = cluster.kubeConfig.makeApiClient(AppsV1Api);
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);

  await cluster.helm(["install", "greeter", chart, "-n", ns.name, "--set", "greeting=salaam", "--wait", "--timeout", "60s"]);
  const { stdout } = await cluster.helm(["status", "greeter", "-n", ns.name, "-o", "json"]);
  expect((JSON.parse(stdout) as { info: { status: string } }).info.status).toBe("deployed");
  const deployment = await apps.readNamespacedDeployment({ name: "greeter", namespace: ns.name });
  expect(deployment.status?.readyReplicas).toBe(2);
  const config = await core.readNamespacedConfigMap({ name: "greeter-greeting", namespace: ns.name });
  expect(config.data?.greeting).toBe("salaam");

  await cluster.helm(["uninstall", "greeter", "-n", ns.name, "--wait", "--timeout", "60s"]);
  const selector = { namespace: ns.name, labelSelector: "app.kubernetes.io/instance=greeter" };
  expect((await apps.listNamespacedDeployment(selector)).items).toEqual([]);
  expect((await core.listNamespacedConfigMap(selector)).items).toEqual([]);
  const releases = await cluster.helm(["list", "-n", ns.name, "-q"]);
  expect(releases.stdout.trim()).toBe("");
});
