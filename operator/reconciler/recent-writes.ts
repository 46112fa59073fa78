// Reading one's own writes. The informer delivers an object this process wrote a few
// milliseconds after the write returns; a reconcile that starts in between (the key was queued
// again meanwhile, as it is while children change) would see the object as it was before and
// write it again, and announce the same transition twice. So what a write returned is kept and
// used instead of the cached object until the cache shows that version or a newer one.
//
// "Newer" compares resourceVersions as integers, as Kubernetes' own scheduler does in its assume
// cache: the API calls them opaque, but every etcd-backed API server hands out the etcd revision.
// Should one not be an integer, the cache is simply taken as it is (no worse than without this).
import type { KubernetesObject } from "@kubernetes/client-node";

/** "Kind/namespace/name". */
export function objectId(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const idOf = (o: KubernetesObject) => objectId(o.kind ?? "", o.metadata?.namespace ?? "", o.metadata?.name ?? "");

function versionOf(o: KubernetesObject | undefined): bigint | undefined {
  const rv = o?.metadata?.resourceVersion;
  return rv && /^\d{1,20}$/.test(rv) ? BigInt(rv) : undefined;
}

interface Entry {
  /** What the write returned; null for a delete. */
  readonly written: KubernetesObject | null;
  /** The written version; for a delete, the version that was deleted. */
  readonly version: bigint;
}

export class RecentWrites {
  private readonly entries = new Map<string, Entry>();

  /** After a write: `written` is what the API returned, or null after deleting `deleted`. */
  record(id: string, written: KubernetesObject | null, deleted?: KubernetesObject): void {
    const version = versionOf(written ?? deleted);
    if (version === undefined) this.entries.delete(id);
    else this.entries.set(id, { written, version });
  }

  /** The object to reason about: our last write while the cache is older than it, else the cached one. */
  resolve<T extends KubernetesObject>(id: string, cached: T | undefined): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return cached;
    if (this.caughtUp(entry, cached)) {
      this.entries.delete(id);
      return cached;
    }
    return (entry.written ?? undefined) as T | undefined;
  }

  /** Called by the informers on every event, so entries go as soon as the cache has caught up. */
  observe(cached: KubernetesObject, deleted = false): void {
    const id = idOf(cached);
    const entry = this.entries.get(id);
    if (entry && this.caughtUp(entry, deleted ? undefined : cached)) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }

  private caughtUp(entry: Entry, cached: KubernetesObject | undefined): boolean {
    const version = versionOf(cached);
    if (entry.written === null) return cached === undefined || version === undefined || version > entry.version;
    return cached !== undefined && (version === undefined || version >= entry.version);
  }
}
