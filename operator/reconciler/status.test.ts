import { instance } from "../api/testing/examples.js";
import type { WabaInstance, WabaInstanceStatus } from "../api/types.js";
import { testContext } from "../resources/testing/context.js";
import { statusEqual } from "../resources/status.js";
import { nextStatus, transitionEvents } from "./status.js";

const now = new Date("2026-02-01T12:00:00Z");
const later = new Date("2026-02-01T12:05:00Z");
function withStatus(i: WabaInstance, status: WabaInstanceStatus | undefined, generation = 1): WabaInstance {
  const copy = structuredClone(i);
  copy.metadata.generation = generation;
  return { ...copy, status };
}

describe("the status of each outcome of a reconcile", () => {
  const acme = instance({ region: "mars-1" });

  it("is Failed with a Ready condition naming the unknown value and the allowed ones", () => {
    const status = nextStatus(acme, { kind: "invalid", problems: [{ field: "spec.region", message: 'spec.region "mars-1" is not a configured region (allowed: eu-central-1, me-central-1)' }] }, now);
    expect(status.phase).toBe("Failed");
    expect(status.observedGeneration).toBe(1);
    expect(status.conditions).toEqual([expect.objectContaining({ type: "Ready", status: "False", reason: "InvalidSpec", message: expect.stringContaining('"mars-1"') })]);
  });

  it("is Failed with NumberConflict naming the instance that owns the number", () => {
    const status = nextStatus(instance(), { kind: "conflict", owner: "team-a/first" }, now);
    expect(status.phase).toBe("Failed");
    const byType = Object.fromEntries((status.conditions ?? []).map((c) => [c.type, c]));
    expect(byType.NumberConflict).toMatchObject({ status: "True", reason: "DuplicateNumber", message: expect.stringContaining("team-a/first") });
    expect(byType.Ready).toMatchObject({ status: "False", reason: "NumberConflict" });
  });

  it("is the last status with phase Paused while paused, and the same again on the next reconcile", () => {
    const ready: WabaInstanceStatus = { phase: "Ready", observedGeneration: 1, desiredShards: 2, conditions: [] };
    const paused = withStatus(instance({ paused: true }), ready, 2);
    const status = nextStatus(paused, { kind: "paused" }, now);
    expect(status).toEqual({ ...ready, phase: "Paused", observedGeneration: 2 });
    expect(statusEqual(nextStatus(withStatus(paused, status, 2), { kind: "paused" }, later), status)).toBe(true);
  });

  it("reports writes the API server refused in the Ready condition, without hiding the components", () => {
    const ctx = testContext();
    const status = nextStatus(instance(), { kind: "reconciled", context: ctx, observed: {}, failures: ["cannot apply Deployment acme-webapp: 403 Forbidden: deployments.apps is forbidden"] }, now);
    const ready = status.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "ApplyFailed", message: expect.stringContaining("forbidden") });
    expect(status.conditions?.find((c) => c.type === "WebApp")).toMatchObject({ status: "False", reason: "NotCreated" });
  });

  it("does not change when nothing changed, however much later it is computed", () => {
    const ctx = testContext();
    const first = nextStatus(instance(), { kind: "reconciled", context: ctx, observed: {}, failures: [] }, now);
    const again = nextStatus(withStatus(instance(), first), { kind: "reconciled", context: ctx, observed: {}, failures: [] }, later);
    expect(statusEqual(first, again)).toBe(true);
  });
});

describe("the Events of status transitions", () => {
  it("announce Ready, Failed with the condition's reason, and Paused once, on the transition only", () => {
    const ready: WabaInstanceStatus = { phase: "Ready", conditions: [] };
    expect(transitionEvents({ phase: "Provisioning" }, ready).map((e) => e.reason)).toEqual(["Ready"]);
    expect(transitionEvents(ready, ready)).toEqual([]);
    const failed = nextStatus(instance(), { kind: "conflict", owner: "team-a/first" }, now);
    expect(transitionEvents(undefined, failed)).toEqual([expect.objectContaining({ type: "Warning", reason: "NumberConflict", note: expect.stringContaining("team-a/first") })]);
    expect(transitionEvents(ready, { phase: "Paused" }).map((e) => e.reason)).toEqual(["Paused"]);
  });

  it("announce a new shard count, and a tier's cap for each generation that asks for more", () => {
    const capped = testContext({ tier: "basic", shards: 8 });
    expect(transitionEvents({ desiredShards: 1, observedGeneration: 1 }, { desiredShards: 2, observedGeneration: 2 }, capped)).toEqual([
      expect.objectContaining({ reason: "ShardsScaled", note: "scaling from 1 to 2 shards" }),
      expect.objectContaining({ type: "Warning", reason: "ShardsCapped", note: expect.stringContaining("tier basic allows at most 2 shards") }),
    ]);
    expect(transitionEvents({ desiredShards: 2, observedGeneration: 2 }, { desiredShards: 2, observedGeneration: 2 }, capped)).toEqual([]);
  });
});
