import type { V1Deployment, V1Job, V1StatefulSet } from "@kubernetes/client-node";
import { externalInstance, instance } from "../api/testing/examples.js";
import type { Condition } from "../api/types.js";
import { credentialsSecret } from "./credentials.js";
import { migrationJobName } from "./migrate.js";
import {
  componentConditions,
  instanceStatus,
  invalidStatus,
  phaseOf,
  readyCondition,
  setCondition,
  statusEqual,
  type ConditionUpdate,
  type ObservedChildren,
} from "./status.js";
import { contextFor, testContext } from "./testing/context.js";

const now = new Date("2026-03-01T10:00:00.000Z");
const later = new Date("2026-03-01T10:05:00.000Z");

function deployment(replicas: number, ready: number, generation = 1, observed = 1): V1Deployment {
  return { metadata: { generation }, spec: { replicas, selector: {}, template: {} }, status: { observedGeneration: observed, readyReplicas: ready, updatedReplicas: ready, availableReplicas: ready } };
}
function statefulSet(replicas: number, ready: number): V1StatefulSet {
  return { metadata: { generation: 1 }, spec: { replicas, selector: {}, serviceName: "", template: {} }, status: { replicas, observedGeneration: 1, readyReplicas: ready, updatedReplicas: ready } };
}
const succeeded = (name: string): V1Job => ({ metadata: { name }, status: { conditions: [{ type: "Complete", status: "True" }] } });

/** Children of acme (1 shard) as they look once everything is up. */
function allReady(): ObservedChildren {
  const ctx = testContext();
  return {
    credentials: credentialsSecret(ctx),
    database: statefulSet(1, 1),
    media: { status: { phase: "Bound" } },
    webapp: deployment(2, 2),
    coreapp: statefulSet(2, 2),
    webhook: deployment(1, 1),
    migration: succeeded(migrationJobName("acme", "waba-runtime:dev", 1)),
  };
}

const byType = (conditions: readonly ConditionUpdate[]) => Object.fromEntries(conditions.map((c) => [c.type, c]));

describe("component conditions", () => {
  it("are all True when every child is ready", () => {
    const conditions = componentConditions(testContext(), allReady());
    expect(conditions.map((c) => [c.type, c.status])).toEqual([
      ["Credentials", "True"], ["Database", "True"], ["Media", "True"], ["WebApp", "True"], ["CoreApp", "True"], ["Webhook", "True"], ["Migration", "True"],
    ]);
    expect(byType(conditions).CoreApp?.message).toBe("1 shard served, 1 spare");
  });

  it("say NotCreated for children that do not exist yet", () => {
    const conditions = componentConditions(testContext(), {});
    expect(conditions.every((c) => c.status === "False" && c.reason === "NotCreated")).toBe(true);
    expect(byType(conditions).WebApp?.message).toBe("Deployment acme-webapp does not exist yet");
  });

  it("tell unavailable from progressing, and a rollout the controller has not seen yet", () => {
    expect(byType(componentConditions(testContext(), { webapp: deployment(2, 0) })).WebApp).toMatchObject({ status: "False", reason: "Unavailable" });
    expect(byType(componentConditions(testContext(), { webapp: deployment(2, 1) })).WebApp).toMatchObject({ status: "False", reason: "Progressing", message: "Deployment acme-webapp: 1/2 pods ready, 1 up to date" });
    expect(byType(componentConditions(testContext(), { webapp: deployment(2, 2, 3, 2) })).WebApp).toMatchObject({ status: "False", reason: "Progressing" });
  });

  it("report a CoreApp StatefulSet still at the old size as scaling", () => {
    const ctx = contextFor(instance({ shards: 4 }));
    expect(byType(componentConditions(ctx, { coreapp: statefulSet(2, 2) })).CoreApp).toMatchObject({ status: "False", reason: "Scaling", message: "scaling to 5 CoreApps for 4 shards" });
  });

  it("name missing credential keys without their values, and a failed migration's reason", () => {
    const conditions = byType(componentConditions(testContext(), {
      credentials: { data: { "admin-password": "c2VjcmV0" } },
      migration: { metadata: { name: "acme-migrate-1" }, status: { conditions: [{ type: "Failed", status: "True", message: "BackoffLimitExceeded" }] } },
      media: { status: { phase: "Pending" } },
    }));
    expect(conditions.Credentials).toMatchObject({ status: "False", reason: "Incomplete" });
    expect(conditions.Credentials?.message).toContain("api-key, api-key-id");
    expect(conditions.Credentials?.message).not.toContain("c2VjcmV0");
    expect(conditions.Migration).toMatchObject({ status: "False", reason: "Failed", message: "Job acme-migrate-1 failed: BackoffLimitExceeded" });
    expect(conditions.Media).toMatchObject({ status: "False", reason: "Pending" });
  });

  it("trust an external database to the runtime", () => {
    expect(byType(componentConditions(contextFor(externalInstance), {})).Database).toMatchObject({ status: "True", reason: "External" });
  });
});

describe("conditions over time", () => {
  const update: ConditionUpdate = { type: "WebApp", status: "False", reason: "Unavailable", message: "0/2" };

  it("keep lastTransitionTime while the status stays the same", () => {
    const first = setCondition([], update, now, 1);
    const second = setCondition(first, { ...update, reason: "Progressing", message: "1/2" }, later, 2);
    expect(second).toEqual([{ type: "WebApp", status: "False", reason: "Progressing", message: "1/2", observedGeneration: 2, lastTransitionTime: "2026-03-01T10:00:00Z" }]);
    const third = setCondition(second, { ...update, status: "True", reason: "Ready" }, later, 2);
    expect(third[0]?.lastTransitionTime).toBe("2026-03-01T10:05:00Z");
  });

  it("stay in the order of the CRD's condition types", () => {
    let conditions: Condition[] = [];
    for (const type of ["Migration", "Ready", "WebApp"] as const) conditions = setCondition(conditions, { ...update, type }, now);
    expect(conditions.map((c) => c.type)).toEqual(["Ready", "WebApp", "Migration"]);
  });
});

describe("phase", () => {
  const components = componentConditions(testContext(), allReady());
  const ready = readyCondition(components);
  const broken = components.map((c) => (c.type === "CoreApp" ? { ...c, status: "False" as const, reason: "Progressing" } : c));

  it("is Ready when every component is, Degraded when one stops being, Provisioning before", () => {
    expect(phaseOf({ paused: false, conditions: [ready, ...components] })).toBe("Ready");
    const notReady = [readyCondition(broken), ...broken];
    expect(phaseOf({ paused: false, conditions: notReady, previous: "Ready" })).toBe("Degraded");
    expect(phaseOf({ paused: false, conditions: notReady, previous: "Degraded" })).toBe("Degraded");
    expect(phaseOf({ paused: false, conditions: notReady, previous: "Provisioning" })).toBe("Provisioning");
  });

  it("is Pending before any child exists, Paused when paused, Failed for a bad spec, a conflict or a failed migration", () => {
    const none = componentConditions(testContext(), {});
    expect(phaseOf({ paused: false, conditions: [readyCondition(none), ...none] })).toBe("Pending");
    expect(phaseOf({ paused: true, conditions: [ready, ...components] })).toBe("Paused");
    expect(phaseOf({ paused: false, conditions: [readyCondition([], [{ field: "spec.tier", message: "no" }])] })).toBe("Failed");
    const failed = components.map((c) => (c.type === "Migration" ? { ...c, status: "False" as const, reason: "Failed" } : c));
    expect(phaseOf({ paused: false, conditions: [readyCondition(failed), ...failed], previous: "Ready" })).toBe("Failed");
  });
});

describe("the instance status", () => {
  it("summarises shards, capacity, endpoint, credentials and the scale selector", () => {
    const ctx = contextFor(instance({ shards: 4 }));
    const status = instanceStatus(ctx, { observed: { coreapp: statefulSet(5, 3) }, now });
    expect(status).toMatchObject({
      phase: "Provisioning",
      observedGeneration: 1,
      desiredShards: 4,
      readyShards: 3,
      capacity: 40,
      endpoint: "http://acme-webapp.waba-test.svc",
      credentialsSecret: "acme-credentials",
      selector: "app.kubernetes.io/name=waba,app.kubernetes.io/instance=acme,app.kubernetes.io/component=coreapp",
    });
    expect(status.conditions?.map((c) => c.type)).toEqual(["Ready", "Credentials", "Database", "Media", "WebApp", "CoreApp", "Webhook", "Migration", "NumberConflict"]);
  });

  it("is equal to the stored one when nothing changed, so nothing is written", () => {
    const ctx = testContext();
    const first = instanceStatus(ctx, { observed: allReady(), now });
    expect(first.phase).toBe("Ready");
    const second = instanceStatus(ctx, { observed: allReady(), previous: first, now: later });
    expect(statusEqual(first, second)).toBe(true);
    const third = instanceStatus(ctx, { observed: { ...allReady(), webhook: deployment(1, 0) }, previous: second, now: later });
    expect(statusEqual(second, third)).toBe(false);
    expect(third.phase).toBe("Degraded");
  });

  it("is blind to key order and keeps the runtime's gateway report", () => {
    const ctx = testContext();
    const previous = { gateway: { status: "connected" as const, nodes: [] }, phase: "Ready" as const };
    const status = instanceStatus(ctx, { observed: allReady(), previous, now });
    expect(status.gateway).toEqual(previous.gateway);
    expect(statusEqual({ phase: "Ready", desiredShards: 1 }, { desiredShards: 1, phase: "Ready" })).toBe(true);
  });

  it("marks a number conflict and does not call the instance Ready", () => {
    const status = instanceStatus(testContext(), { observed: allReady(), conflictWith: "other/first", now });
    expect(status.phase).toBe("Failed");
    expect(status.conditions?.find((c) => c.type === "NumberConflict")).toMatchObject({ status: "True", reason: "DuplicateNumber" });
    expect(status.conditions?.[0]).toMatchObject({ type: "Ready", status: "False", reason: "NumberConflict" });
  });

  it("says Failed and why when the spec cannot be built", () => {
    const status = invalidStatus(2, [{ field: "spec.region", message: 'spec.region "mars" is not a configured region (allowed: eu-central-1)' }], undefined, now);
    expect(status).toEqual({
      phase: "Failed",
      observedGeneration: 2,
      conditions: [{ type: "Ready", status: "False", reason: "InvalidSpec", message: 'spec.region "mars" is not a configured region (allowed: eu-central-1)', observedGeneration: 2, lastTransitionTime: "2026-03-01T10:00:00Z" }],
    });
  });
});
