// The API server enforces what a production cluster enforces: Pod Security Admission and RBAC,
// so charts and the operator are tested against both.
import { ApiException, CoreV1Api, RbacAuthorizationV1Api, type V1Pod } from "@kubernetes/client-node";
import { impersonating, serviceAccountUser, testCluster, useTestNamespace, waitFor } from "../testing/cluster.js";

const cluster = testCluster();

function pod(name: string, securityContext: NonNullable<V1Pod["spec"]>["containers"][number]["securityContext"]): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: "main", image: "registry.invalid/never-pulled:1", securityContext }] },
  };
}

/** The refusal of a request: its HTTP status and the API server's message. */
async function refusal(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (e) {
    if (!(e instanceof ApiException)) throw e;
    return { code: e.code, message: (JSON.parse(String(e.body)) as { message: string }).message };
  }
  throw new Error("the API server accepted the request");
}

describe("in a namespace that enforces the restricted Pod Security Standard", () => {
  const ns = useTestNamespace({ "pod-security.kubernetes.io/enforce": "restricted" });
  const core = cluster.kubeConfig.makeApiClient(CoreV1Api);

  test("the API server refuses a privileged pod", async () => {
    const refused = await refusal(core.createNamespacedPod({ namespace: ns.name, body: pod("privileged", { privileged: true }) }));
    expect(refused.code).toBe(403);
    expect(refused.message).toContain('violates PodSecurity "restricted:latest": privileged (container "main" must not set securityContext.privileged=true)');
  });

  test("the API server admits a pod that meets the standard", async () => {
    const created = await core.createNamespacedPod({
      namespace: ns.name,
      body: pod("compliant", {
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      }),
    });
    expect(created.metadata?.uid).toBeTruthy();
  });
});

describe("RBAC", () => {
  const ns = useTestNamespace();

  test("a ServiceAccount without a Role cannot list pods, and can once a RoleBinding grants it", async () => {
    const core = cluster.kubeConfig.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns.name, body: { metadata: { name: "reader" } } });
    const asReader = impersonating(cluster.kubeConfig, serviceAccountUser(ns.name, "reader")).makeApiClient(CoreV1Api);

    const refused = await refusal(asReader.listNamespacedPod({ namespace: ns.name }));
    expect(refused.code).toBe(403);
    expect(refused.message).toContain(`User "system:serviceaccount:${ns.name}:reader" cannot list resource "pods"`);

    const rbac = cluster.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: { metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["list"] }] },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns.name,
      body: {
        metadata: { name: "reader-reads-pods" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace: ns.name }],
      },
    });
    const pods = await waitFor(() => asReader.listNamespacedPod({ namespace: ns.name }), {
      what: "the RoleBinding to let the ServiceAccount list pods",
    });
    expect(pods.items).toEqual([]);
    // The Role grants list only: other namespaces and other verbs stay refused.
    expect((await refusal(asReader.listNamespacedPod({ namespace: "default" }))).code).toBe(403);
    expect((await refusal(asReader.createNamespacedPod({ namespace: ns.name, body: pod("p", {}) }))).code).toBe(403);
  });
});
