// PodDisruptionBudgets: a drain takes at most one WebApp (of 2) and one CoreApp (the spare's worth)
// at a time. The single-pod database and webhook dispatcher get none: a budget on one pod would
// block every node drain. Pods that are not ready never block an eviction.
import type { V1PodDisruptionBudget } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";

function budget(ctx: BuildContext, component: "webapp" | "coreapp"): V1PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: childMeta(ctx.owner, component, childName(ctx.owner.name, component)),
    spec: {
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: { matchLabels: selectorLabels(ctx.owner.name, component) },
    },
  };
}

export const webappDisruptionBudget = (ctx: BuildContext): V1PodDisruptionBudget => budget(ctx, "webapp");
export const coreappDisruptionBudget = (ctx: BuildContext): V1PodDisruptionBudget => budget(ctx, "coreapp");
