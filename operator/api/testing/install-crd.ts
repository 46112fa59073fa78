// Installs (or updates) the WabaInstance CRD in a test cluster and waits until kubectl can use it.
import { waitFor, type TestCluster } from "../../../e2e/testing/cluster.js";
import { crdPath } from "../generate.js";

export async function installCrd(cluster: TestCluster): Promise<void> {
  await cluster.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=waba-tests", "-f", crdPath]);
  await cluster.kubectl(["wait", "--for=condition=Established", "--timeout=60s", "crd/wabainstances.waba.dev"]);
  // Established comes slightly before kubectl's discovery knows the resource.
  await waitFor(async () => (await cluster.kubectl(["get", "wabainstances", "-A", "--request-timeout=5s"], { check: false })).code === 0, {
    what: "wabainstances in discovery",
  });
}
