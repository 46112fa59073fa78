// What the operator's integration suites share: a private cluster (so no other suite's operator
// or instances meet ours) with the CRD, the operator's RBAC exactly as operator/reconciler/rbac.ts
// lists it, bound to a ServiceAccount the operator process impersonates (a missing verb fails a
// test), namespaces under the restricted Pod Security level, and instances written as a user would.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CoreV1Api, CustomObjectsApi, RbacAuthorizationV1Api, type V1PolicyRule } from "@kubernetes/client-node";
import { impersonating, serviceAccountUser, startPrivateCluster, waitFor, type PrivateCluster } from "../../../e2e/testing/cluster.js";
import { group, plural, version } from "../../api/constants.js";
import { installCrd } from "../../api/testing/install-crd.js";
import type { WabaInstance, WabaInstanceSpec } from "../../api/types.js";
import { leaseRules, rules, type Rule } from "../../reconciler/rbac.js";
import { OperatorProcess } from "./operator-process.js";

export const operatorNamespace = "waba-system";
export const operatorServiceAccount = "waba-operator";
export const operatorUser = serviceAccountUser(operatorNamespace, operatorServiceAccount);

export interface OperatorSuite {
  readonly cluster: PrivateCluster;
  /** A kubeconfig file whose user impersonates the operator's ServiceAccount. */
  readonly kubeconfig: string;
  /** Starts an operator process (stopped by stop() if the test does not). */
  startOperator(identity?: string, args?: readonly string[]): OperatorProcess;
  /** A new namespace enforcing the restricted Pod Security level. */
  namespace(prefix: string): Promise<string>;
  /** Stops every operator process this suite started, then the cluster. */
  stop(): Promise<void>;
}

const policyRule = (r: Rule): V1PolicyRule => ({ apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] });

async function grantOperatorRbac(cluster: PrivateCluster): Promise<void> {
  const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  const subjects = [{ kind: "ServiceAccount", name: operatorServiceAccount, namespace: operatorNamespace }];
  await cluster.kubeConfig.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace: operatorNamespace, body: { metadata: { name: operatorServiceAccount } } });
  await rbac.createClusterRole({ body: { metadata: { name: "waba-operator" }, rules: rules.map(policyRule) } });
  await rbac.createClusterRoleBinding({ body: { metadata: { name: "waba-operator" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "waba-operator" }, subjects } });
  await rbac.createNamespacedRole({ namespace: operatorNamespace, body: { metadata: { name: "waba-operator-leases" }, rules: leaseRules.map(policyRule) } });
  await rbac.createNamespacedRoleBinding({ namespace: operatorNamespace, body: { metadata: { name: "waba-operator-leases" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "waba-operator-leases" }, subjects } });
}

export async function startOperatorSuite(): Promise<OperatorSuite> {
  const cluster = await startPrivateCluster();
  const operators: OperatorProcess[] = [];
  try {
    await installCrd(cluster);
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: operatorNamespace } } });
    await grantOperatorRbac(cluster);
    const kubeconfig = join(mkdtempSync(join(cluster.dir, "operator-")), "kubeconfig");
    writeFileSync(kubeconfig, impersonating(cluster.kubeConfig, operatorUser).exportConfig(), { mode: 0o600 });
    let namespaces = 0;
    return {
      cluster,
      kubeconfig,
      startOperator(identity = `operator-${operators.length + 1}`, args = []) {
        const operator = new OperatorProcess({ kubeconfig, namespace: operatorNamespace, identity, args });
        operators.push(operator);
        return operator;
      },
      async namespace(prefix) {
        const name = `${prefix}-${++namespaces}`;
        await core.createNamespace({ body: { metadata: { name, labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest" } } } });
        await waitFor(() => core.readNamespacedServiceAccount({ name: "default", namespace: name }), { what: `the default ServiceAccount of ${name}` });
        return name;
      },
      async stop() {
        await Promise.all(operators.map((o) => o.stop()));
        // Warnings and errors of the operators, for a failed run's reader (unique messages, at most 30).
        const problems = [...new Set(operators.flatMap((o) => o.problems()))].slice(0, 30);
        if (problems.length) process.stderr.write(`operator warnings and errors:\n${problems.join("\n")}\n`);
        await cluster.stop();
      },
    };
  } catch (e) {
    await Promise.all(operators.map((o) => o.kill()));
    await cluster.stop();
    throw e;
  }
}

/** WabaInstances through the API, as a user would write them. */
export class Instances {
  private readonly api: CustomObjectsApi;

  constructor(private readonly cluster: PrivateCluster) {
    this.api = cluster.kubeConfig.makeApiClient(CustomObjectsApi);
  }

  async create(namespace: string, name: string, spec: Partial<WabaInstanceSpec> & Pick<WabaInstanceSpec, "phoneNumber">): Promise<WabaInstance> {
    const body = { apiVersion: `${group}/${version}`, kind: "WabaInstance", metadata: { name, namespace }, spec: { region: "eu-central-1", tier: "standard", ...spec } };
    return (await this.api.createNamespacedCustomObject({ group, version, namespace, plural, body })) as WabaInstance;
  }

  async get(namespace: string, name: string): Promise<WabaInstance> {
    return (await this.api.getNamespacedCustomObject({ group, version, namespace, plural, name })) as WabaInstance;
  }

  /** A JSON merge patch of the spec, as `kubectl patch --type merge` sends it. */
  async patchSpec(namespace: string, name: string, spec: Record<string, unknown>): Promise<WabaInstance> {
    const { stdout } = await this.cluster.kubectl(["patch", "wabainstance", name, "-n", namespace, "--type", "merge", "-p", JSON.stringify({ spec }), "-o", "json"]);
    return JSON.parse(stdout) as WabaInstance;
  }

  async delete(namespace: string, name: string): Promise<void> {
    await this.api.deleteNamespacedCustomObject({ group, version, namespace, plural, name });
  }

  /** Waits until the instance's status has `phase` for its current generation; returns it. */
  async waitForPhase(namespace: string, name: string, phase: string, timeoutMs = 60_000): Promise<WabaInstance> {
    let last: WabaInstance | undefined;
    try {
      return await waitFor(async () => {
        last = await this.get(namespace, name);
        return last.status?.phase === phase && last.status.observedGeneration === last.metadata.generation ? last : undefined;
      }, { what: `WabaInstance ${namespace}/${name} to be ${phase}`, timeoutMs, intervalMs: 250 });
    } catch (e) {
      const seen = last ? `generation ${last.metadata.generation ?? "?"}, status ${JSON.stringify(last.status ?? {})}` : "never read";
      throw new Error(`${(e as Error).message}; last seen: ${seen}`);
    }
  }
}
