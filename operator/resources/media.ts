// The media volume <instance>-media, shared by the WebApp and every CoreApp, in the region's
// (media) storage class. Owned by the instance only under the Delete retention policy.
import type { V1PersistentVolumeClaim, V1Volume, V1VolumeMount } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { childMeta, childName } from "./metadata.js";
import { mediaDir } from "./runtime-env.js";

export function mediaClaim(ctx: BuildContext): V1PersistentVolumeClaim {
  const { media } = ctx.spec;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: childMeta(ctx.owner, "media", childName(ctx.owner.name, "media"), ctx.ownsData),
    spec: {
      accessModes: [media.accessMode],
      storageClassName: media.storageClassName ?? ctx.region.mediaStorageClassName ?? ctx.region.storageClassName,
      resources: { requests: { storage: media.size } },
    },
  };
}

export function mediaVolume(ctx: BuildContext): V1Volume {
  return { name: "media", persistentVolumeClaim: { claimName: childName(ctx.owner.name, "media") } };
}

export const mediaMount: V1VolumeMount = { name: "media", mountPath: mediaDir };
