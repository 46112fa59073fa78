// Where the chart suite runs, for one suite on any cluster reached by a kubeconfig:
// - here (default): a private local control plane of its own, since the suite installs
//   cluster-wide objects (the CRD, a ClusterRole, a webhook configuration) that other suites
//   sharing the test cluster must not see; pods are simulated by kwok, so the operator runs as a
//   local process under the chart's ServiceAccount (operator.ts);
// - kind (make kind-e2e sets WABA_E2E_TARGET=kind): the kind cluster, where the chart's own
//   Deployment runs the operator image for real.
import { startPrivateCluster, testCluster, type TestCluster } from "../testing/cluster.js";

export const onKind = process.env.WABA_E2E_TARGET === "kind";

export interface SuiteCluster {
  readonly cluster: TestCluster;
  /** Whether the operator runs from the chart's Deployment (kind) or as a local process. */
  readonly operatorInCluster: boolean;
  /** Whether releases may install the CRD (on kind, make kind-up's release owns it). */
  readonly installsCrd: boolean;
  stop(): Promise<void>;
}

export async function suiteCluster(): Promise<SuiteCluster> {
  if (onKind) return { cluster: testCluster(), operatorInCluster: true, installsCrd: false, stop: () => Promise.resolve() };
  const cluster = await startPrivateCluster();
  return { cluster, operatorInCluster: false, installsCrd: true, stop: () => cluster.stop() };
}
