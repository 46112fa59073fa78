import type { KubernetesObject } from "@kubernetes/client-node";
import { ObjectCache } from "./cache.js";

const owner = (uid: string) => [{ apiVersion: "example.com/v1", kind: "Parent", name: "p", uid, controller: true }];
function cm(name: string, rv: string, ownerUid?: string, namespace = "ns"): KubernetesObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, resourceVersion: rv, ...(ownerUid ? { ownerReferences: owner(ownerUid) } : {}) } };
}

describe("the object cache", () => {
  it("finds objects by namespace and name, and lists them per namespace", () => {
    const cache = new ObjectCache();
    cache.upsert(cm("a", "1"));
    cache.upsert(cm("b", "1", undefined, "other"));
    cache.upsert({ apiVersion: "v1", kind: "Namespace", metadata: { name: "cluster-wide", resourceVersion: "1" } });
    expect(cache.get("ns", "a")?.metadata?.name).toBe("a");
    expect(cache.get("", "cluster-wide")?.kind).toBe("Namespace");
    expect(cache.list("other").map((o) => o.metadata?.name)).toEqual(["b"]);
    expect(cache.list()).toHaveLength(3);
  });

  it("indexes children by their controller owner's UID and follows owner changes", () => {
    const cache = new ObjectCache();
    cache.upsert(cm("a", "1", "uid-1"));
    cache.upsert(cm("b", "1", "uid-1"));
    cache.upsert(cm("c", "1", "uid-2"));
    expect(cache.byOwner("uid-1").map((o) => o.metadata?.name).sort()).toEqual(["a", "b"]);
    cache.upsert(cm("b", "2", "uid-2"));
    expect(cache.byOwner("uid-1").map((o) => o.metadata?.name)).toEqual(["a"]);
    cache.remove(cm("a", "3"));
    expect(cache.byOwner("uid-1")).toEqual([]);
    expect(cache.byOwner("uid-2")).toHaveLength(2);
  });

  it("ignores owner references that are not the controller", () => {
    const cache = new ObjectCache();
    const obj = cm("a", "1");
    obj.metadata!.ownerReferences = [{ apiVersion: "v1", kind: "X", name: "x", uid: "uid-9" }];
    cache.upsert(obj);
    expect(cache.byOwner("uid-9")).toEqual([]);
  });

  it("on replace reports added, changed and vanished objects and keeps unchanged ones quiet", () => {
    const cache = new ObjectCache();
    cache.upsert(cm("same", "1"));
    cache.upsert(cm("changed", "1"));
    cache.upsert(cm("gone", "1", "uid-1"));
    const result = cache.replace([cm("same", "1"), cm("changed", "2"), cm("new", "5")]);
    expect(result.added.map((o) => o.metadata?.name)).toEqual(["new"]);
    expect(result.updated.map((u) => [u.object.metadata?.resourceVersion, u.old.metadata?.resourceVersion])).toEqual([["2", "1"]]);
    expect(result.deleted.map((o) => o.metadata?.name)).toEqual(["gone"]);
    expect(cache.size).toBe(3);
    expect(cache.byOwner("uid-1")).toEqual([]);
  });
});
