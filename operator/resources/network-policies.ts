// NetworkPolicies: only the WebApp takes traffic from outside the instance; the CoreApps, the
// webhook dispatcher and the migrate Job take it only from the instance's own pods; the database
// only from the instance's runtime pods, and it may reach nothing but DNS. The runtime pods' egress
// stays open: the gateway and webhook receivers may be anywhere, in or out of the cluster.
import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicySpec } from "@kubernetes/client-node";
import { appName, labelKeys, type Component } from "../api/constants.js";
import type { BuildContext } from "./context.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";
import { managedDatabase, runtimePort } from "./runtime-env.js";

/**
 * A NetworkPolicy as sent on the wire. client-node's model calls the ingress rule's `from` field
 * `_from` (its serializer renames it); builders return wire JSON, so here it is `from`.
 */
export type NetworkPolicy = Omit<V1NetworkPolicy, "spec"> & {
  spec: Omit<V1NetworkPolicySpec, "ingress"> & { ingress?: (Omit<V1NetworkPolicyIngressRule, "_from"> & { from?: V1NetworkPolicyPeer[] })[] };
};

const runtimeComponents: Component[] = ["webapp", "coreapp", "webhook", "migrate"];

function instancePods(instance: string, components?: readonly Component[]): V1NetworkPolicyPeer {
  return {
    podSelector: {
      matchLabels: { [labelKeys.name]: appName, [labelKeys.instance]: instance },
      ...(components ? { matchExpressions: [{ key: labelKeys.component, operator: "In", values: [...components] }] } : {}),
    },
  };
}

export function webappNetworkPolicy(ctx: BuildContext): NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: childMeta(ctx.owner, "webapp", childName(ctx.owner.name, "webapp")),
    spec: {
      podSelector: { matchLabels: selectorLabels(ctx.owner.name, "webapp") },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ protocol: "TCP", port: runtimePort }] }],
    },
  };
}

/** CoreApps, webhook dispatcher and migrate Job: reachable from the instance's pods only. */
export function internalNetworkPolicy(ctx: BuildContext): NetworkPolicy {
  const name = ctx.owner.name;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    // Labelled with the component it mainly protects; it also covers the dispatcher and the Job.
    metadata: childMeta(ctx.owner, "coreapp", `${name}-internal`),
    spec: {
      podSelector: instancePods(name, ["coreapp", "webhook", "migrate"]).podSelector ?? {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [instancePods(name)], ports: [{ protocol: "TCP", port: runtimePort }] }],
    },
  };
}

export function databaseNetworkPolicy(ctx: BuildContext): NetworkPolicy | null {
  if (!ctx.spec.database.managed) return null;
  const name = ctx.owner.name;
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: childMeta(ctx.owner, "database", childName(name, "database")),
    spec: {
      podSelector: { matchLabels: selectorLabels(name, "database") },
      policyTypes: ["Ingress", "Egress"],
      ingress: [{ from: [instancePods(name, runtimeComponents)], ports: [{ protocol: "TCP", port: managedDatabase.port }] }],
      egress: [{ ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }] }],
    },
  };
}
