// A small read-through cache: entries live `ttlMs`, concurrent misses of one key share one load,
// the oldest entries go first past `maxEntries`. Used so that authentication does not ask the
// database on every request while changes (password, deletion, key rotation) still apply within
// `ttlMs` on every replica.

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  private readonly loading = new Map<K, Promise<V>>();

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return Promise.resolve(hit.value);
    let pending = this.loading.get(key);
    if (!pending) {
      const started = this.now();
      pending = this.load(key)
        .then((value) => {
          this.remember(key, value, started + this.ttlMs);
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  /** Forgets a key at once (a change made by this process). */
  invalidate(key: K): void {
    this.entries.delete(key);
  }

  private remember(key: K, value: V, until: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until });
  }
}
