// Where the chart suite runs, for one suite on any cluster reached by a kubeconfig:
// - here (default): a private local control plane per test file, since the suite installs
//   cluster-wide objects (the CRD, a ClusterRole, a webhook configuration) that other suites
//   sharing the test cluster must not see; kwok simulates the pods, so the operator runs as a
//   local process under the chart's ServiceAccount (operator.ts), its webhook registered with a
//   `url:` on 127.0.0.1;
// - kind (make kind-e2e sets WABA_E2E_TARGET=kind): the kind cluster, where the chart's own
//   Deployment runs the operator image and the webhook is reached through its Service.
import { startPrivateCluster, testCluster, type TestCluster } from "../testing/cluster.js";
import { deleteNamespaces, freePort, restrictedNamespace } from "./cluster-helpers.js";
import { inClusterOperator, startLocalOperator, type Operator } from "./operator.js";

export const onKind = process.env.WABA_E2E_TARGET === "kind";
/** How long instances may take to become Ready: kwok is quick, real pods pull images. */
export const patience = onKind ? 600_000 : 90_000;

export interface Suite {
  readonly cluster: TestCluster;
  /** Whether releases may install the CRD (on kind, make kind-up's release owns it). */
  readonly installsCrd: boolean;
  /** A namespace enforcing the restricted Pod Security level (deleted after the file on kind). */
  namespace(prefix: string): Promise<string>;
  /** Values a release needs on this target: where the API server reaches the webhook. */
  releaseValues(): Promise<Record<string, unknown>>;
  /** The operator of an installed release (stopped after the file). */
  startOperator(namespace: string, release: string): Promise<Operator>;
}

/** Jest hooks giving a test file the suite's cluster, started before its tests and cleaned after. */
export function useSuite(): Suite {
  let cluster: TestCluster | undefined;
  let stop = () => Promise.resolve();
  const namespaces: string[] = [];
  const operators: Operator[] = [];
  beforeAll(async () => {
    if (onKind) {
      cluster = testCluster();
    } else {
      const privateCluster = await startPrivateCluster();
      cluster = privateCluster;
      stop = () => privateCluster.stop();
    }
  });
  afterAll(async () => {
    await Promise.all(operators.map((o) => o.stop()));
    if (onKind && cluster) await deleteNamespaces(cluster, namespaces);
    await stop();
  });
  const current = () => {
    if (!cluster) throw new Error("useSuite: the cluster exists only while the file's tests run");
    return cluster;
  };
  return {
    get cluster() { return current(); },
    installsCrd: !onKind,
    async namespace(prefix) {
      const name = await restrictedNamespace(current(), prefix);
      namespaces.push(name);
      return name;
    },
    async releaseValues() {
      if (onKind) return {};
      const port = await freePort();
      return { "admissionWebhook.port": port, "admissionWebhook.url": `https://127.0.0.1:${port}/validate-wabainstance` };
    },
    async startOperator(namespace, release) {
      const operator = onKind ? inClusterOperator() : await startLocalOperator(current(), namespace, release, { httpPort: await freePort() });
      operators.push(operator);
      return operator;
    },
  };
}
