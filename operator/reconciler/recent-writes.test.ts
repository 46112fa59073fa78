import type { KubernetesObject } from "@kubernetes/client-node";
import { RecentWrites, objectId } from "./recent-writes.js";

const at = (resourceVersion: string, replicas: number): KubernetesObject & { spec: { replicas: number } } =>
  ({ kind: "StatefulSet", metadata: { namespace: "ns", name: "acme-coreapp", resourceVersion }, spec: { replicas } });
const id = objectId("StatefulSet", "ns", "acme-coreapp");

describe("reading the operator's own writes before the cache shows them", () => {
  it("gives the written object while the cache still shows the version the write replaced", () => {
    const recent = new RecentWrites();
    recent.record(id, at("10", 2), at("11", 9));
    expect(recent.resolve(id, at("10", 2))?.spec.replicas).toBe(9);
  });

  it("gives the cache again once it shows our write or anyone's later change, and forgets the write", () => {
    const recent = new RecentWrites();
    recent.record(id, at("10", 2), at("11", 9));
    recent.observe(at("11", 9));
    expect(recent.size).toBe(0);
    recent.record(id, at("11", 9), at("12", 3));
    expect(recent.resolve(id, at("13", 5))?.spec.replicas).toBe(5);
    expect(recent.size).toBe(0);
  });

  it("knows an object it created before the cache has it, and one it deleted while the cache still has it", () => {
    const recent = new RecentWrites();
    recent.record(id, undefined, at("1", 2));
    expect(recent.resolve(id, undefined)?.metadata?.resourceVersion).toBe("1");
    recent.record(id, at("1", 2), null);
    expect(recent.resolve(id, at("1", 2))).toBeUndefined();
  });

  it("ignores events of other objects and of the version the write was based on", () => {
    const recent = new RecentWrites();
    recent.record(id, at("10", 2), at("11", 9));
    recent.observe(at("10", 2));
    recent.observe({ kind: "StatefulSet", metadata: { namespace: "ns", name: "other", resourceVersion: "99" } });
    expect(recent.size).toBe(1);
  });
});
