// The informer's store: objects by key, with an index from a controller owner's UID to the
// children it controls, so a reconciler finds its children without a request.
import type { KubernetesObject } from "@kubernetes/client-node";
import { controllerOwner, objectKey } from "./keys.js";

/** Read access to an informer's objects. Objects are the API's JSON: timestamps are strings. */
export interface ObjectStore<T extends KubernetesObject> {
  /** The object `name` in `namespace` ("" for cluster-scoped objects). */
  get(namespace: string, name: string): T | undefined;
  /** Every object, or those of one namespace. */
  list(namespace?: string): T[];
  /** The objects whose controller ownerReference has this UID. */
  byOwner(ownerUid: string): T[];
  readonly size: number;
}

export interface ReplaceResult<T> {
  added: T[];
  updated: { object: T; old: T }[];
  deleted: T[];
}

export class ObjectCache<T extends KubernetesObject> implements ObjectStore<T> {
  private readonly objects = new Map<string, T>();
  private readonly owned = new Map<string, Set<string>>();

  get(namespace: string, name: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  list(namespace?: string): T[] {
    const all = [...this.objects.values()];
    return namespace === undefined ? all : all.filter((o) => (o.metadata?.namespace ?? "") === namespace);
  }

  byOwner(ownerUid: string): T[] {
    const keys = this.owned.get(ownerUid);
    return keys ? [...keys].map((k) => this.objects.get(k)).filter((o): o is T => o !== undefined) : [];
  }

  get size(): number {
    return this.objects.size;
  }

  /** Stores `obj`; returns the object it replaced, if any. */
  upsert(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    this.objects.set(key, obj);
    const uid = controllerOwner(obj)?.uid;
    if (uid) {
      let set = this.owned.get(uid);
      if (!set) this.owned.set(uid, (set = new Set()));
      set.add(key);
    }
    return old;
  }

  /** Removes `obj`; returns the stored object, if there was one. */
  remove(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.unindex(key, old);
    this.objects.delete(key);
    return old;
  }

  /** Makes the cache hold exactly `items` (a fresh list) and says what changed. */
  replace(items: T[]): ReplaceResult<T> {
    const result: ReplaceResult<T> = { added: [], updated: [], deleted: [] };
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(objectKey(item));
      const old = this.upsert(item);
      if (!old) result.added.push(item);
      else if (old.metadata?.resourceVersion !== item.metadata?.resourceVersion) result.updated.push({ object: item, old });
    }
    for (const [key, obj] of [...this.objects]) {
      if (seen.has(key)) continue;
      this.remove(obj);
      result.deleted.push(obj);
    }
    return result;
  }

  private unindex(key: string, obj: T): void {
    const uid = controllerOwner(obj)?.uid;
    if (!uid) return;
    const set = this.owned.get(uid);
    set?.delete(key);
    if (set?.size === 0) this.owned.delete(uid);
  }
}
