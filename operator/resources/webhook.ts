// The webhook dispatcher: a Deployment delivering the outbox to spec.webhooks[] (and to the URL
// set through the API). One replica is enough: the outbox survives restarts, deliveries resume.
import type { V1Deployment } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";
import { podTemplate, runtimeUid, tmpVolume } from "./pod.js";
import { runtimeContainer } from "./runtime-container.js";
import { secretInputs } from "./runtime-env.js";

export function webhookDeployment(ctx: BuildContext): V1Deployment {
  const container = runtimeContainer(ctx, "webhook", { image: ctx.workloadImage, probes: true });
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: childMeta(ctx.owner, "webhook", childName(ctx.owner.name, "webhook")),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(ctx.owner.name, "webhook") },
      template: podTemplate(ctx, {
        component: "webhook",
        uid: runtimeUid,
        containers: [container],
        volumes: [tmpVolume],
        hashInputs: secretInputs(ctx, container.env ?? []),
      }),
    },
  };
}
