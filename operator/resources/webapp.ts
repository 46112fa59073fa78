// The WebApp: a Deployment of 2 spread replicas serving the API (HTTPS with spec.tls) and its
// Service, the instance's only entry from outside.
import type { V1Deployment, V1Service, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import { webappReplicas, type BuildContext } from "./context.js";
import { mediaMount, mediaVolume } from "./media.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";
import { podTemplate, runtimeUid, tmpVolume } from "./pod.js";
import { runtimeContainer } from "./runtime-container.js";
import { secretInputs, tlsDir } from "./runtime-env.js";

/** The in-cluster URL of the instance's API. */
export function endpointOf(ctx: Pick<BuildContext, "owner" | "spec">): string {
  const scheme = ctx.spec.tls ? "https" : "http";
  return `${scheme}://${childName(ctx.owner.name, "webapp")}.${ctx.owner.namespace}.svc`;
}

export function webappDeployment(ctx: BuildContext): V1Deployment {
  const tls = ctx.spec.tls;
  const volumes: V1Volume[] = [tmpVolume, mediaVolume(ctx)];
  const mounts: V1VolumeMount[] = [mediaMount];
  if (tls) {
    volumes.push({ name: "tls", secret: { secretName: tls.secretName, defaultMode: 0o440 } });
    mounts.push({ name: "tls", mountPath: tlsDir, readOnly: true });
  }
  const container = runtimeContainer(ctx, "webapp", { image: ctx.workloadImage, mounts, tls: !!tls, probes: true });
  const name = childName(ctx.owner.name, "webapp");
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: childMeta(ctx.owner, "webapp", name),
    spec: {
      replicas: webappReplicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(ctx.owner.name, "webapp") },
      // Keep full capacity during a rollout.
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: podTemplate(ctx, {
        component: "webapp",
        uid: runtimeUid,
        containers: [container],
        volumes,
        hashInputs: secretInputs(ctx, container.env ?? [], tls ? [tls.secretName] : []),
        spread: true,
      }),
    },
  };
}

export function webappService(ctx: BuildContext): V1Service {
  const tls = !!ctx.spec.tls;
  const port = tls ? "https" : "http";
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(ctx.owner, "webapp", childName(ctx.owner.name, "webapp")),
    spec: {
      type: "ClusterIP",
      selector: selectorLabels(ctx.owner.name, "webapp"),
      ports: [{ name: port, port: tls ? 443 : 80, targetPort: port, protocol: "TCP", appProtocol: port }],
    },
  };
}
