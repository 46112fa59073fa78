// Reading one's own writes. The informer delivers an object this process wrote a few
// milliseconds after the write returns; a reconcile that starts in between (the key was queued
// again meanwhile, as it is while children change) would see the object as it was before and
// write it again, and announce the same transition twice. So what a write returned is kept, and
// used instead of the cached object for as long as the cache still shows the version it showed
// before that write. As soon as the cache shows anything else (our write, or someone's later
// change) the cache is the truth again and the entry is dropped.
import type { KubernetesObject } from "@kubernetes/client-node";

/** "Kind/namespace/name". */
export function objectId(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

const idOf = (o: KubernetesObject) => objectId(o.kind ?? "", o.metadata?.namespace ?? "", o.metadata?.name ?? "");

export class RecentWrites {
  private readonly entries = new Map<string, { readonly before: string | undefined; readonly written: KubernetesObject | null }>();

  /** After a write: `before` is the cached object the write was based on, `written` what the API returned (null: deleted). */
  record(id: string, before: KubernetesObject | undefined, written: KubernetesObject | null): void {
    this.entries.set(id, { before: before?.metadata?.resourceVersion, written });
  }

  /** The object to reason about: our last write while the cache has not caught up with it, else the cached one. */
  resolve<T extends KubernetesObject>(id: string, cached: T | undefined): T | undefined {
    const entry = this.entries.get(id);
    if (!entry) return cached;
    if (cached?.metadata?.resourceVersion === entry.before) return (entry.written ?? undefined) as T | undefined;
    this.entries.delete(id);
    return cached;
  }

  /** Called by the informers on every event: an entry whose object the cache now shows differently is done. */
  observe(cached: KubernetesObject): void {
    const id = idOf(cached);
    const entry = this.entries.get(id);
    if (entry && entry.before !== cached.metadata?.resourceVersion) this.entries.delete(id);
  }

  get size(): number {
    return this.entries.size;
  }
}
