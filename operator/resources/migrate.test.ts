import type { V1Job } from "@kubernetes/client-node";
import { instance } from "../api/testing/examples.js";
import { currentMigration, jobState, migrationHash, migrationJob, migrationJobName, rolloutImage } from "./migrate.js";
import { contextFor, testContext } from "./testing/context.js";

const job = (name: string, condition?: "Complete" | "Failed", message?: string): V1Job => ({
  metadata: { name, labels: { "app.kubernetes.io/instance": "acme" } },
  ...(condition ? { status: { conditions: [{ type: condition, status: "True", ...(message ? { message } : {}) }] } } : {}),
});

describe("the migrate Job", () => {
  it("runs the migrate role of the desired image with the shard count, bounded in retries and time", () => {
    const ctx = contextFor(instance({ shards: 4, runtimeImage: "waba-runtime:2" }), { workloadImage: "waba-runtime:1" });
    const j = migrationJob(ctx);
    expect(j.metadata?.name).toBe(`acme-migrate-${migrationHash("waba-runtime:2", 4)}`);
    expect(j.metadata?.name).toMatch(/^acme-migrate-[0-9a-f]{8}$/);
    expect(j.spec).toMatchObject({ backoffLimit: 6, activeDeadlineSeconds: 900 });
    const pod = j.spec!.template.spec!;
    expect(pod.restartPolicy).toBe("Never");
    expect(pod.containers[0]).toMatchObject({ image: "waba-runtime:2", args: ["migrate"] });
    expect(pod.containers[0]?.env).toContainEqual({ name: "WABA_SHARDS", value: "4" });
    expect(pod.containers[0]?.livenessProbe).toBeUndefined();
  });

  it("is a new Job for a new image or shard count, the same Job otherwise", () => {
    const name = (spec: Parameters<typeof instance>[0]) => migrationJob(contextFor(instance(spec))).metadata?.name;
    expect(name({ shards: 2 })).toBe(name({ shards: 2, podTemplate: { labels: { a: "b" } } }));
    expect(name({ shards: 2 })).not.toBe(name({ shards: 4 }));
    expect(name({ shards: 2 })).not.toBe(name({ shards: 2, runtimeImage: "waba-runtime:2" }));
  });

  it("keeps its name within 63 characters for the longest instance name the CRD allows", () => {
    expect(migrationJobName("a".repeat(44), "waba-runtime:dev", 32)).toHaveLength(61);
  });
});

describe("migration state", () => {
  it("reads a Job's conditions", () => {
    expect(jobState(undefined)).toBe("Missing");
    expect(jobState(job("x"))).toBe("Running");
    expect(jobState(job("x", "Complete"))).toBe("Succeeded");
    expect(jobState(job("x", "Failed"))).toBe("Failed");
  });

  it("finds the Job of the desired image and shards among the instance's Jobs", () => {
    const ctx = testContext();
    const current = job(migrationJobName("acme", "waba-runtime:dev", 1));
    expect(currentMigration(ctx, [job("acme-migrate-00000000", "Complete"), current])).toBe(current);
    expect(currentMigration(ctx, [job("acme-migrate-00000000")])).toBeUndefined();
  });

  it("rolls the workloads to a new image only after its migration succeeded", () => {
    expect(rolloutImage("v2", undefined, undefined)).toBe("v2");
    expect(rolloutImage("v2", job("m"), "v1")).toBe("v1");
    expect(rolloutImage("v2", job("m", "Failed"), "v1")).toBe("v1");
    expect(rolloutImage("v2", job("m", "Complete"), "v1")).toBe("v2");
    expect(rolloutImage("v2", job("m"), undefined)).toBe("v2");
  });
});
