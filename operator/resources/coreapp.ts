// The CoreApps: a StatefulSet of shards + 1 pods (one spare for failover), started in parallel,
// and its headless Service. The shard count reaches the runtime through the migrate Job, never
// through the pod template, so scaling changes replicas without rolling a pod.
import type { V1Service, V1StatefulSet } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { mediaMount, mediaVolume } from "./media.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";
import { podTemplate, runtimeUid, tmpVolume } from "./pod.js";
import { runtimeContainer } from "./runtime-container.js";
import { runtimePort, secretInputs } from "./runtime-env.js";

/** CoreApp pods for a shard count: one per shard and a spare. */
export function coreappReplicas(shards: number): number {
  return shards + 1;
}

export function coreappStatefulSet(ctx: BuildContext): V1StatefulSet {
  const container = runtimeContainer(ctx, "coreapp", { image: ctx.workloadImage, mounts: [mediaMount], probes: true });
  const name = childName(ctx.owner.name, "coreapp");
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: childMeta(ctx.owner, "coreapp", name),
    spec: {
      replicas: coreappReplicas(ctx.shards.shards),
      serviceName: name,
      podManagementPolicy: "Parallel",
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(ctx.owner.name, "coreapp") },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } },
      template: podTemplate(ctx, {
        component: "coreapp",
        uid: runtimeUid,
        containers: [container],
        volumes: [tmpVolume, mediaVolume(ctx)],
        hashInputs: secretInputs(ctx, container.env ?? []),
        spread: true,
      }),
    },
  };
}

/** Headless: gives each CoreApp a stable DNS name (<pod>.<instance>-coreapp) for the WebApp's routing. */
export function coreappService(ctx: BuildContext): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(ctx.owner, "coreapp", childName(ctx.owner.name, "coreapp")),
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: selectorLabels(ctx.owner.name, "coreapp"),
      ports: [{ name: "http", port: runtimePort, targetPort: "http", protocol: "TCP" }],
    },
  };
}
