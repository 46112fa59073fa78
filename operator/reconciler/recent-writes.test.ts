import type { KubernetesObject } from "@kubernetes/client-node";
import { RecentWrites, objectId } from "./recent-writes.js";

const at = (resourceVersion: string, replicas: number): KubernetesObject & { spec: { replicas: number } } =>
  ({ kind: "StatefulSet", metadata: { namespace: "ns", name: "acme-coreapp", resourceVersion }, spec: { replicas } });
const id = objectId("StatefulSet", "ns", "acme-coreapp");

describe("reading the operator's own writes before the cache shows them", () => {
  it("gives the written object while the cache is older than it", () => {
    const recent = new RecentWrites();
    recent.record(id, at("11", 9));
    expect(recent.resolve(id, at("10", 2))?.spec.replicas).toBe(9);
  });

  it("keeps the latest write while the cache shows an earlier write of ours still on its way", () => {
    const recent = new RecentWrites();
    recent.record(id, at("11", 2));
    recent.record(id, at("12", 3));
    recent.observe(at("11", 2));
    expect(recent.resolve(id, at("11", 2))?.spec.replicas).toBe(3);
  });

  it("gives the cache again once it shows our write or anyone's later change, and forgets the write", () => {
    const recent = new RecentWrites();
    recent.record(id, at("11", 9));
    recent.observe(at("11", 9));
    expect(recent.size).toBe(0);
    recent.record(id, at("12", 3));
    expect(recent.resolve(id, at("13", 5))?.spec.replicas).toBe(5);
    expect(recent.size).toBe(0);
  });

  it("knows an object it created before the cache has it, and one it deleted while the cache still has it", () => {
    const recent = new RecentWrites();
    recent.record(id, at("1", 2));
    expect(recent.resolve(id, undefined)?.metadata?.resourceVersion).toBe("1");
    recent.record(id, null, at("1", 2));
    expect(recent.resolve(id, at("1", 2))).toBeUndefined();
    recent.observe(at("2", 2), true);
    expect(recent.size).toBe(0);
  });

  it("trusts the cache when versions are not integers", () => {
    const recent = new RecentWrites();
    recent.record(id, at("v2", 9));
    expect(recent.resolve(id, at("v1", 2))?.spec.replicas).toBe(2);
  });
});
