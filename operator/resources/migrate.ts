// The schema migration step: a Job <instance>-migrate-<hash8> running the runtime's migrate role
// with the desired image. It also applies WABA_SHARDS to the shard map and seeds the admin user
// and API key, so hash8 covers (image, shards): a new image or shard count is a new Job. A Job's
// template is immutable: the reconciler creates it and never updates it.
import { createHash } from "node:crypto";
import type { V1Job } from "@kubernetes/client-node";
import { labelKeys } from "../api/constants.js";
import type { BuildContext } from "./context.js";
import { childMeta } from "./metadata.js";
import { podTemplate, runtimeUid, tmpVolume } from "./pod.js";
import { runtimeContainer } from "./runtime-container.js";
import { secretInputs } from "./runtime-env.js";

export const migrationBackoffLimit = 6;
export const migrationDeadlineSeconds = 900;

export function migrationHash(image: string, shards: number): string {
  return createHash("sha256").update(`${image}\n${shards}`).digest("hex").slice(0, 8);
}

export function migrationJobName(instance: string, image: string, shards: number): string {
  return `${instance}-migrate-${migrationHash(image, shards)}`;
}

export function migrationJob(ctx: BuildContext): V1Job {
  const container = runtimeContainer(ctx, "migrate", { image: ctx.image, probes: false });
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: childMeta(ctx.owner, "migrate", migrationJobName(ctx.owner.name, ctx.image, ctx.shards.shards)),
    spec: {
      backoffLimit: migrationBackoffLimit,
      activeDeadlineSeconds: migrationDeadlineSeconds,
      template: podTemplate(ctx, {
        component: "migrate",
        uid: runtimeUid,
        containers: [container],
        volumes: [tmpVolume],
        hashInputs: secretInputs(ctx, container.env ?? []),
        restartPolicy: "Never",
      }),
    },
  };
}

export type JobState = "Missing" | "Running" | "Succeeded" | "Failed";

export function jobState(job: V1Job | undefined): JobState {
  if (!job) return "Missing";
  const has = (type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === "True") ?? false;
  if (has("Complete")) return "Succeeded";
  if (has("Failed")) return "Failed";
  return "Running";
}

/** The migrate Job a set of Jobs holds for the desired image and shards, if any. */
export function currentMigration(ctx: BuildContext, jobs: readonly V1Job[]): V1Job | undefined {
  const name = migrationJobName(ctx.owner.name, ctx.image, ctx.shards.shards);
  return jobs.find((j) => j.metadata?.name === name && j.metadata.labels?.[labelKeys.instance] === ctx.owner.name);
}

/**
 * The image the long-running pods should run: the desired one once its migration succeeded,
 * until then the one they run now (on a first install, none: the pods wait for the schema).
 */
export function rolloutImage(desired: string, migration: V1Job | undefined, running: string | undefined): string {
  if (running === undefined || jobState(migration) === "Succeeded") return desired;
  return running;
}
