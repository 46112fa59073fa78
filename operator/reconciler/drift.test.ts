import type { V1Deployment, V1Secret } from "@kubernetes/client-node";
import { webappDeployment } from "../resources/webapp.js";
import { testContext } from "../resources/testing/context.js";
import { UnkeptFields, compareToLive, desiredHash, desiredHashAnnotation, driftOf, withDesiredHash } from "./drift.js";

/** What the API server stores for an applied object: defaults filled, quantities canonical, empty strings dropped. */
function stored(deployment: V1Deployment): V1Deployment {
  const live = structuredClone(deployment);
  Object.assign(live.metadata!, { uid: "u1", resourceVersion: "7", generation: 1, creationTimestamp: "2026-01-01T00:00:00Z" });
  const spec = live.spec!;
  spec.progressDeadlineSeconds = 600;
  const pod = spec.template.spec!;
  pod.dnsPolicy = "ClusterFirst";
  pod.terminationGracePeriodSeconds = 30;
  for (const c of pod.containers) {
    c.terminationMessagePath = "/dev/termination-log";
    c.env = c.env?.map((e) => (e.value === "" ? { name: e.name } : e));
    if (c.resources?.requests?.cpu === "100m") c.resources.requests.cpu = "0.1";
  }
  return live;
}

describe("drift between a desired child and the cached live one", () => {
  const desired = withDesiredHash(webappDeployment(testContext()));

  it("is none when the API server only added defaults, canonicalised quantities and dropped empty values", () => {
    expect(compareToLive(desired, stored(desired))).toEqual({ equal: true });
  });

  it("names the path of a field someone edited", () => {
    const live = stored(desired);
    live.spec!.replicas = 5;
    expect(compareToLive(desired, live)).toEqual({ equal: false, path: "spec.replicas" });
  });

  it("finds a changed environment variable by its name, whatever its position", () => {
    const live = stored(desired);
    const container = live.spec!.template.spec!.containers[0]!;
    container.env = [...container.env!].reverse();
    expect(compareToLive(desired, live).equal).toBe(true);
    container.env.find((e) => e.name === "WABA_INSTANCE")!.value = "other";
    expect(compareToLive(desired, live)).toEqual({ equal: false, path: "spec.template.spec.containers[webapp].env[WABA_INSTANCE].value" });
  });

  it("ignores items others added beside ours in a list merged by name", () => {
    const live = stored(desired);
    live.spec!.template.spec!.containers[0]!.env!.push({ name: "ADDED_BY_SOMEONE", value: "x" });
    expect(compareToLive(desired, live).equal).toBe(true);
  });

  it("sees a label someone removed and a quantity someone changed", () => {
    const unlabelled = stored(desired);
    delete unlabelled.metadata!.labels!["app.kubernetes.io/managed-by"];
    expect(compareToLive(desired, unlabelled)).toEqual({ equal: false, path: "metadata.labels.app.kubernetes.io/managed-by" });
    const resized = stored(desired);
    resized.spec!.template.spec!.containers[0]!.resources!.limits!.memory = "1Gi";
    expect(compareToLive(desired, resized)).toEqual({ equal: false, path: "spec.template.spec.containers[webapp].resources.limits.memory" });
  });

  it("compares lists without names whole: one item more or less is drift", () => {
    expect(compareToLive({ args: ["webapp"] }, { args: ["webapp", "--debug"] })).toEqual({ equal: false, path: "args" });
    expect(compareToLive({ accessModes: ["ReadWriteMany"] }, { accessModes: ["ReadWriteMany"] }).equal).toBe(true);
  });

  it("sees a field the operator stopped setting through the hash annotation", () => {
    const withToleration = testContext({ podTemplate: { tolerations: [{ key: "dedicated", operator: "Exists" }] } });
    const before = withDesiredHash(webappDeployment(withToleration));
    const after = withDesiredHash(webappDeployment(testContext()));
    expect(compareToLive(after, stored(before))).toEqual({ equal: false, path: `metadata.annotations.${desiredHashAnnotation}` });
  });

  it("treats a missing live object as drift", () => {
    expect(driftOf(desired, undefined)).toEqual({ equal: false, path: "(missing)" });
  });

  it("hashes a Secret by its keys, never its values", () => {
    const secret = (key: string, value: string): V1Secret => ({ apiVersion: "v1", kind: "Secret", metadata: { name: "s" }, data: { [key]: Buffer.from(value).toString("base64") } });
    expect(desiredHash(secret("key", "one"))).toBe(desiredHash(secret("key", "two")));
    expect(desiredHash(secret("key", "one"))).not.toBe(desiredHash(secret("other", "one")));
  });
});

describe("fields the API server does not keep", () => {
  const desired = withDesiredHash(webappDeployment(testContext()));

  it("are learnt after an apply and skipped until the desired object changes", () => {
    const unkept = new UnkeptFields();
    const storedWithout = stored(desired);
    delete storedWithout.spec!.strategy!.rollingUpdate!.maxSurge;
    expect(unkept.learn(desired, storedWithout)).toEqual(["spec.strategy.rollingUpdate.maxSurge"]);
    expect(driftOf(desired, storedWithout, unkept.of(desired)).equal).toBe(true);
    const changed = withDesiredHash(webappDeployment(testContext({ podTemplate: { labels: { team: "x" } } })));
    expect(unkept.of(changed).size).toBe(0);
  });

  it("are reported once per kind, though learnt per object", () => {
    const unkept = new UnkeptFields();
    const other = structuredClone(desired);
    other.metadata!.name = "other-webapp";
    const without = (d: typeof desired) => {
      const s = stored(d);
      delete s.spec!.strategy!.rollingUpdate!.maxSurge;
      return s;
    };
    expect(unkept.learn(desired, without(desired))).toEqual(["spec.strategy.rollingUpdate.maxSurge"]);
    expect(unkept.learn(other, without(other))).toEqual([]);
    expect(driftOf(other, without(other), unkept.of(other)).equal).toBe(true);
  });

  it("are none when the stored object holds everything", () => {
    const unkept = new UnkeptFields();
    expect(unkept.learn(desired, stored(desired))).toEqual([]);
    expect(unkept.of(desired).size).toBe(0);
  });
});
