// What the builders need from the cluster besides the instance, read from the caches: the
// credentials the Secret holds, a hash per user Secret the pods read, the image the long-running
// pods may run (migration.ts), and the database StatefulSet and claim as they exist.
import type { V1Secret } from "@kubernetes/client-node";
import { labelKeys } from "../api/constants.js";
import type { ObjectStore } from "../controller/index.js";
import type { BuildContext, BuildInputs } from "../resources/context.js";
import type { Credentials } from "../resources/credentials.js";
import { databaseClaimName } from "../resources/database.js";
import { childName } from "../resources/metadata.js";
import { migrationJobName } from "../resources/migrate.js";
import type { ObservedChildren } from "../resources/status.js";
import type { LiveView } from "./apply-children.js";
import { planMigration, type MigrationPlan } from "./migration.js";
import { referencedSecrets, type PartialObjectMetadata } from "./sources.js";

/** The instance's credentials Secret as known now (cache or this reconcile's own write). */
export function credentialsOf(view: LiveView, ctx: Pick<BuildContext, "owner">): V1Secret | undefined {
  return view.get("Secret", ctx.owner.namespace, childName(ctx.owner.name, "credentials"));
}

/**
 * The version of each user Secret the pods read ("" while it does not exist): any change of one
 * gives the pods a new inputs hash, so they roll and read the new value.
 */
export function secretVersions(ctx: BuildContext, userSecrets: ObjectStore<PartialObjectMetadata>, view: LiveView): Record<string, string> {
  const { namespace } = ctx.owner;
  return Object.fromEntries(referencedSecrets(ctx.spec).map((name) => [
    name,
    userSecrets.get(namespace, name)?.metadata.resourceVersion ?? view.get("Secret", namespace, name)?.metadata?.resourceVersion ?? "",
  ]));
}

function workloads(view: LiveView, ctx: BuildContext) {
  const { namespace, name } = ctx.owner;
  return {
    webapp: view.get("Deployment", namespace, childName(name, "webapp")),
    coreapp: view.get("StatefulSet", namespace, childName(name, "coreapp")),
    webhook: view.get("Deployment", namespace, childName(name, "webhook")),
  };
}

export interface GatheredInputs {
  readonly inputs: BuildInputs;
  readonly migration: MigrationPlan;
}

/** `checked`: the context built to validate the instance (its image and shards are the desired ones). */
export function gatherInputs(
  checked: BuildContext,
  view: LiveView,
  userSecrets: ObjectStore<PartialObjectMetadata>,
  credentials: { readonly existing: V1Secret | undefined; readonly generated: Credentials },
): GatheredInputs {
  const { namespace, name } = checked.owner;
  const jobs = view.list("Job", namespace, { [labelKeys.instance]: name, [labelKeys.component]: "migrate" });
  const migration = planMigration(checked, jobs, workloads(view, checked));
  return {
    migration,
    inputs: {
      credentials: { existing: credentials.existing?.data, generated: credentials.generated },
      secretHashes: secretVersions(checked, userSecrets, view),
      workloadImage: migration.workloadImage,
      existingDatabase: {
        statefulSet: view.get("StatefulSet", namespace, childName(name, "database")),
        claim: view.get("PersistentVolumeClaim", namespace, databaseClaimName(name)),
      },
    },
  };
}

/** The children status is computed from, as known after this reconcile's writes. */
export function observedChildren(view: LiveView, ctx: BuildContext): ObservedChildren {
  const { namespace, name } = ctx.owner;
  return {
    ...workloads(view, ctx),
    credentials: credentialsOf(view, ctx),
    database: view.get("StatefulSet", namespace, childName(name, "database")),
    media: view.get("PersistentVolumeClaim", namespace, childName(name, "media")),
    migration: view.get("Job", namespace, migrationJobName(name, ctx.image, ctx.shards.shards)),
  };
}
