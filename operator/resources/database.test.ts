import type { V1StatefulSet } from "@kubernetes/client-node";
import { externalInstance, fullInstance, instance } from "../api/testing/examples.js";
import { databaseClaimExpansion, databaseClaimName, databaseService, databaseStatefulSet } from "./database.js";
import { contextFor, testContext } from "./testing/context.js";

describe("the managed database", () => {
  it("is one PostgreSQL pod with its volume in the region's storage class", () => {
    const s = databaseStatefulSet(testContext())!;
    expect(s.metadata?.name).toBe("acme-db");
    expect(s.spec).toMatchObject({ replicas: 1, serviceName: "acme-db" });
    expect(s.spec?.volumeClaimTemplates).toEqual([
      expect.objectContaining({ spec: { accessModes: ["ReadWriteOnce"], storageClassName: "standard-eu-central-1", resources: { requests: { storage: "10Gi" } } } }),
    ]);
    expect(s.spec?.template.spec?.containers[0]?.image).toBe("postgres:17.6");
  });

  it("runs as the postgres user on a read-only root, with PGDATA in a subdirectory of the volume", () => {
    const pod = databaseStatefulSet(testContext())!.spec!.template.spec!;
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true });
    const c = pod.containers[0]!;
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
    expect(env).toEqual({
      POSTGRES_USER: "waba",
      POSTGRES_DB: "waba",
      POSTGRES_PASSWORD: { secretKeyRef: { name: "acme-credentials", key: "database-password" } },
      PGDATA: "/var/lib/postgresql/pgdata",
    });
    expect(c.volumeMounts).toEqual([
      { name: "data", mountPath: "/var/lib/postgresql" },
      { name: "run", mountPath: "/var/run/postgresql" },
      { name: "tmp", mountPath: "/tmp" },
    ]);
    expect(pod.volumes?.map((v) => [v.name, !!v.emptyDir])).toEqual([["run", true], ["tmp", true]]);
    expect(c.readinessProbe?.exec?.command).toEqual(["pg_isready", "--host=127.0.0.1", "--username=waba", "--dbname=waba"]);
  });

  it("follows the retention policy for its volume and honours an allowed storage class", () => {
    expect(databaseStatefulSet(testContext())!.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Retain", whenScaled: "Retain" });
    const full = databaseStatefulSet(contextFor(fullInstance))!;
    expect(full.spec?.persistentVolumeClaimRetentionPolicy).toEqual({ whenDeleted: "Delete", whenScaled: "Retain" });
    expect(full.spec?.volumeClaimTemplates?.[0]?.spec).toMatchObject({ storageClassName: "standard-me-central-1", resources: { requests: { storage: "20Gi" } } });
  });

  it("has a headless Service on 5432", () => {
    expect(databaseService(testContext())?.spec).toEqual({
      clusterIP: "None",
      selector: { "app.kubernetes.io/name": "waba", "app.kubernetes.io/instance": "acme", "app.kubernetes.io/component": "database" },
      ports: [{ name: "postgres", port: 5432, targetPort: "postgres", protocol: "TCP" }],
    });
  });

  it("does not exist with an external database", () => {
    const ctx = contextFor(externalInstance);
    expect(databaseStatefulSet(ctx)).toBeNull();
    expect(databaseService(ctx)).toBeNull();
    expect(databaseClaimExpansion(ctx)).toBeNull();
  });

  describe("growing", () => {
    const existingAt = (size: string): V1StatefulSet => databaseStatefulSet(contextFor(instance({ database: { managed: { size } } })))!;
    const claimOf = (size: string) => ({ spec: { resources: { requests: { storage: size } } } });

    it("keeps the immutable claim template as created and grows the claim itself", () => {
      const ctx = contextFor(instance({ database: { managed: { size: "20Gi" } } }), {
        existingDatabase: { statefulSet: existingAt("10Gi"), claim: claimOf("10Gi") },
      });
      expect(databaseStatefulSet(ctx)!.spec?.volumeClaimTemplates?.[0]?.spec?.resources?.requests?.storage).toBe("10Gi");
      expect(databaseClaimExpansion(ctx)).toEqual({
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name: databaseClaimName("acme"), namespace: "waba-test" },
        spec: { resources: { requests: { storage: "20Gi" } } },
      });
      expect(databaseClaimName("acme")).toBe("data-acme-db-0");
    });

    it("leaves a claim alone that is as large or larger, or does not exist yet", () => {
      const grown = (claimSize: string | undefined) =>
        databaseClaimExpansion(contextFor(instance({ database: { managed: { size: "20Gi" } } }), {
          existingDatabase: { statefulSet: existingAt("10Gi"), ...(claimSize ? { claim: claimOf(claimSize) } : {}) },
        }));
      expect(grown("20Gi")).toBeNull();
      expect(grown("21474836480")).toBeNull();
      expect(grown("25G")).toBeNull();
      expect(grown(undefined)).toBeNull();
      expect(grown("19.5Gi")).not.toBeNull();
    });
  });
});
