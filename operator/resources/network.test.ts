import { externalInstance } from "../api/testing/examples.js";
import { coreappDisruptionBudget, webappDisruptionBudget } from "./disruption-budgets.js";
import { databaseNetworkPolicy, internalNetworkPolicy, webappNetworkPolicy } from "./network-policies.js";
import { contextFor, testContext } from "./testing/context.js";

const instancePods = { "app.kubernetes.io/name": "waba", "app.kubernetes.io/instance": "acme" };

describe("network policies", () => {
  it("let anyone reach the WebApp's port, and only that", () => {
    const p = webappNetworkPolicy(testContext());
    expect(p.metadata?.name).toBe("acme-webapp");
    expect(p.spec).toEqual({
      podSelector: { matchLabels: { ...instancePods, "app.kubernetes.io/component": "webapp" } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ protocol: "TCP", port: 8080 }] }],
    });
  });

  it("let only the instance's own pods reach the CoreApps, the dispatcher and the migrate Job", () => {
    const p = internalNetworkPolicy(testContext());
    expect(p.metadata?.name).toBe("acme-internal");
    expect(p.spec.podSelector).toEqual({
      matchLabels: instancePods,
      matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["coreapp", "webhook", "migrate"] }],
    });
    expect(p.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: instancePods } }], ports: [{ protocol: "TCP", port: 8080 }] }]);
  });

  it("let only the instance's runtime pods reach the database, which may reach nothing but DNS", () => {
    const p = databaseNetworkPolicy(testContext())!;
    expect(p.spec.podSelector).toEqual({ matchLabels: { ...instancePods, "app.kubernetes.io/component": "database" } });
    expect(p.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(p.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: instancePods, matchExpressions: [{ key: "app.kubernetes.io/component", operator: "In", values: ["webapp", "coreapp", "webhook", "migrate"] }] } }],
        ports: [{ protocol: "TCP", port: 5432 }],
      },
    ]);
    expect(p.spec.egress).toEqual([{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }]);
    expect(databaseNetworkPolicy(contextFor(externalInstance))).toBeNull();
  });

  it("are sent as wire JSON: `from`, never client-node's `_from`", () => {
    expect(JSON.stringify(internalNetworkPolicy(testContext()))).not.toContain("_from");
  });
});

describe("disruption budgets", () => {
  it("let a drain take one WebApp and one CoreApp at a time, never blocked by unhealthy pods", () => {
    for (const [budget, component] of [[webappDisruptionBudget, "webapp"], [coreappDisruptionBudget, "coreapp"]] as const) {
      const pdb = budget(testContext());
      expect(pdb.metadata?.name).toBe(`acme-${component}`);
      expect(pdb.spec).toEqual({
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
        selector: { matchLabels: { ...instancePods, "app.kubernetes.io/component": component } },
      });
    }
  });
});
