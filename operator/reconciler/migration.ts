// Rolling out a new runtime image (or shard count) behind the schema migration: the migrate Job
// for (image, shards) is created once; the long-running pods move to a new image only after
// that Job succeeded; Jobs of earlier (image, shards) are deleted. Pure.
import type { V1Deployment, V1Job, V1StatefulSet } from "@kubernetes/client-node";
import { labelKeys } from "../api/constants.js";
import type { BuildContext } from "../resources/context.js";
import { currentMigration, rolloutImage } from "../resources/migrate.js";

export interface Workloads {
  readonly webapp?: V1Deployment;
  readonly coreapp?: V1StatefulSet;
  readonly webhook?: V1Deployment;
}

/** The runtime image the instance's long-running pods run now (undefined before the first install). */
export function runningImage(workloads: Workloads): string | undefined {
  for (const w of [workloads.webapp, workloads.coreapp, workloads.webhook]) {
    const image = w?.spec?.template.spec?.containers[0]?.image;
    if (image) return image;
  }
  return undefined;
}

export interface MigrationPlan {
  /** The Job for the desired (image, shards), if it exists. */
  readonly current: V1Job | undefined;
  /** The image the WebApp, CoreApp and webhook pods get. */
  readonly workloadImage: string;
  /** Migrate Jobs of other (image, shards): to delete. */
  readonly superseded: readonly V1Job[];
}

/** `jobs`: the instance's Jobs as cached. */
export function planMigration(ctx: BuildContext, jobs: readonly V1Job[], workloads: Workloads): MigrationPlan {
  const current = currentMigration(ctx, jobs);
  const superseded = jobs.filter((j) => j !== current && j.metadata?.labels?.[labelKeys.component] === "migrate" && j.metadata.labels[labelKeys.instance] === ctx.owner.name);
  return { current, workloadImage: rolloutImage(ctx.image, current, runningImage(workloads)), superseded };
}
