// Object keys ("namespace/name", or "name" for cluster-scoped objects) and owner references.
import type { KubernetesObject, V1OwnerReference } from "@kubernetes/client-node";

/** The work-queue key of an object: "namespace/name", or "name" when it has no namespace. */
export function objectKey(obj: KubernetesObject): string {
  const { namespace, name } = obj.metadata ?? {};
  if (!name) throw new Error("object has no metadata.name");
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by objectKey back into its namespace ("" when cluster-scoped) and name. */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf("/");
  return slash < 0 ? { namespace: "", name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The ownerReference with controller: true, if any (at most one is allowed by the API). */
export function controllerOwner(obj: KubernetesObject): V1OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** An ownerReference that makes `owner` the controller of a child (the garbage collector deletes the child with it). */
export function controllerReference(owner: KubernetesObject, blockOwnerDeletion = true): V1OwnerReference {
  const { apiVersion, kind } = owner;
  const { name, uid } = owner.metadata ?? {};
  if (!apiVersion || !kind || !name || !uid) {
    throw new Error("an owner needs apiVersion, kind, metadata.name and metadata.uid (read it from the API first)");
  }
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion };
}
