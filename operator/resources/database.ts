// The managed PostgreSQL: a one-pod StatefulSet with its volume in the region's class, a headless
// Service, and the claim's size (volumeClaimTemplates are immutable, so growth is applied to the
// claim itself). Runs under the restricted Pod Security level: non-root, read-only root, writable
// emptyDirs for the socket directory and /tmp, PGDATA in a subdirectory of the volume (initdb
// wants an empty directory it owns). None of it exists with an external database.
import type { V1PersistentVolumeClaim, V1PersistentVolumeClaimTemplate, V1Service, V1StatefulSet } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { childMeta, childName, selectorLabels } from "./metadata.js";
import { containerSecurityContext, podTemplate, postgresUid, resourcesFor, tmpVolume } from "./pod.js";
import { managedDatabase, secretInputs } from "./runtime-env.js";
import { quantityBytes } from "./quantity.js";

const dataDir = "/var/lib/postgresql";
const claimTemplateName = "data";

function storageClass(ctx: BuildContext): string {
  return ctx.spec.database.managed?.storageClassName ?? ctx.region.storageClassName;
}

/** Name of the data claim the StatefulSet makes for its only pod. */
export function databaseClaimName(instance: string): string {
  return `${claimTemplateName}-${childName(instance, "database")}-0`;
}

function claimTemplate(ctx: BuildContext, size: string): V1PersistentVolumeClaimTemplate {
  return {
    metadata: { name: claimTemplateName, labels: childMeta(ctx.owner, "database", claimTemplateName).labels },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass(ctx), resources: { requests: { storage: size } } },
  };
}

export function databaseStatefulSet(ctx: BuildContext): V1StatefulSet | null {
  const managed = ctx.spec.database.managed;
  if (!managed) return null;
  const name = childName(ctx.owner.name, "database");
  const isReady = ["pg_isready", "--host=127.0.0.1", `--username=${managedDatabase.user}`, `--dbname=${managedDatabase.name}`];
  const env = [
    { name: "POSTGRES_USER", value: managedDatabase.user },
    { name: "POSTGRES_DB", value: managedDatabase.name },
    { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: childName(ctx.owner.name, "credentials"), key: "database-password" } } },
    { name: "PGDATA", value: `${dataDir}/pgdata` },
  ];
  // The claim template is immutable: keep the size it was created with (databaseClaimExpansion grows the claim).
  const createdSize = ctx.inputs.existingDatabase?.statefulSet?.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage;
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: childMeta(ctx.owner, "database", name),
    spec: {
      replicas: 1,
      serviceName: name,
      revisionHistoryLimit: 3,
      selector: { matchLabels: selectorLabels(ctx.owner.name, "database") },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: ctx.spec.persistentVolumeClaimRetentionPolicy.whenDeleted, whenScaled: "Retain" },
      volumeClaimTemplates: [claimTemplate(ctx, createdSize ?? managed.size)],
      template: podTemplate(ctx, {
        component: "database",
        uid: postgresUid,
        containers: [
          {
            name: "postgres",
            image: ctx.config.images.postgres,
            imagePullPolicy: "IfNotPresent",
            env,
            ports: [{ name: "postgres", containerPort: managedDatabase.port, protocol: "TCP" }],
            readinessProbe: { exec: { command: isReady }, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3 },
            livenessProbe: { exec: { command: isReady }, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
            resources: resourcesFor(ctx, "database"),
            securityContext: containerSecurityContext,
            volumeMounts: [
              { name: claimTemplateName, mountPath: dataDir },
              { name: "run", mountPath: "/var/run/postgresql" },
              { name: "tmp", mountPath: "/tmp" },
            ],
          },
        ],
        volumes: [{ name: "run", emptyDir: {} }, tmpVolume],
        hashInputs: secretInputs(ctx, env),
      }),
    },
  };
}

export function databaseService(ctx: BuildContext): V1Service | null {
  if (!ctx.spec.database.managed) return null;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: childMeta(ctx.owner, "database", childName(ctx.owner.name, "database")),
    spec: {
      clusterIP: "None",
      selector: selectorLabels(ctx.owner.name, "database"),
      ports: [{ name: "postgres", port: managedDatabase.port, targetPort: "postgres", protocol: "TCP" }],
    },
  };
}

/**
 * The data claim's new size, when spec.database.managed.size has grown past what the existing
 * claim requests (null otherwise, and while the claim does not exist: applying this partial
 * object must never create it).
 */
export function databaseClaimExpansion(ctx: BuildContext): V1PersistentVolumeClaim | null {
  const size = ctx.spec.database.managed?.size;
  const existing = ctx.inputs.existingDatabase?.claim?.spec?.resources?.requests?.storage;
  if (size === undefined || existing === undefined || quantityBytes(size) <= quantityBytes(existing)) return null;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: databaseClaimName(ctx.owner.name), namespace: ctx.owner.namespace },
    spec: { resources: { requests: { storage: size } } },
  };
}
