import type { V1Deployment, V1Job } from "@kubernetes/client-node";
import { migrationJob } from "../resources/migrate.js";
import { testContext } from "../resources/testing/context.js";
import { planMigration, runningImage } from "./migration.js";

const complete = (job: V1Job): V1Job => Object.assign(structuredClone(job), { status: { conditions: [{ type: "Complete", status: "True" }] } });
const running = (image: string): V1Deployment => ({ spec: { selector: {}, template: { spec: { containers: [{ name: "webapp", image }] } } } });

describe("rolling out a runtime image behind its migration", () => {
  const v1 = testContext({ runtimeImage: "runtime:1" });
  const v2 = testContext({ runtimeImage: "runtime:2" });

  it("starts the pods of a first install with the desired image at once (they wait for the schema)", () => {
    const plan = planMigration(v1, [], {});
    expect(plan).toEqual({ current: undefined, workloadImage: "runtime:1", superseded: [] });
  });

  it("keeps the pods on the image they run until the new image's Job succeeded, then moves them", () => {
    const oldJob = complete(migrationJob(v1));
    const newJob = migrationJob(v2);
    const pending = planMigration(v2, [oldJob, newJob], { webapp: running("runtime:1") });
    expect(pending.workloadImage).toBe("runtime:1");
    expect(pending.current?.metadata?.name).toBe(newJob.metadata?.name);
    const done = planMigration(v2, [oldJob, complete(newJob)], { webapp: running("runtime:1") });
    expect(done.workloadImage).toBe("runtime:2");
  });

  it("supersedes the Jobs of other images or shard counts of the same instance only", () => {
    const mine = migrationJob(v1);
    const otherShards = migrationJob(testContext({ runtimeImage: "runtime:1", shards: 4 }));
    const current = migrationJob(v2);
    const plan = planMigration(v2, [mine, otherShards, current], {});
    expect(plan.superseded.map((j) => j.metadata?.name)).toEqual([mine.metadata?.name, otherShards.metadata?.name]);
  });

  it("reads the running image from whichever long-running workload exists", () => {
    expect(runningImage({})).toBeUndefined();
    expect(runningImage({ webhook: running("runtime:3") })).toBe("runtime:3");
  });
});
