// A small read-through cache: entries live `ttlMs`, concurrent misses of one key share one load,
// the oldest entries go first past `maxEntries`. Used so that authentication does not ask the
// database on every request while changes (password, deletion, key rotation) still apply within
// `ttlMs` on every replica.
//
// An entry in the last fifth of its life is refreshed in the background while it is still
// served: a busy key never expires under its callers, who would otherwise all wait for the
// reload (once per `ttlMs`, every request arriving during a database round trip).

export class TtlCache<K, V> {
  private readonly entries = new Map<K, { value: V; until: number }>();
  private readonly loading = new Map<K, Promise<V>>();
  /** Bumped by invalidate(): a load started before it must not be remembered. */
  private generation = 0;

  constructor(
    private readonly load: (key: K) => Promise<V>,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: K): Promise<V> {
    const hit = this.entries.get(key);
    const now = this.now();
    if (hit && hit.until > now) {
      if (hit.until - now <= this.ttlMs / 5 && !this.loading.has(key)) {
        this.startLoad(key).catch(() => undefined); // a failed refresh leaves the entry to expire; the next get reports the error
      }
      return Promise.resolve(hit.value);
    }
    return this.loading.get(key) ?? this.startLoad(key);
  }

  /** Forgets a key at once (a change made by this process), and any load of it already running. */
  invalidate(key: K): void {
    this.generation += 1;
    this.entries.delete(key);
    this.loading.delete(key);
  }

  private startLoad(key: K): Promise<V> {
    const started = this.now();
    const generation = this.generation;
    const pending: Promise<V> = this.load(key)
      .then((value) => {
        if (generation === this.generation) this.remember(key, value, started + this.ttlMs);
        return value;
      })
      .finally(() => { if (this.loading.get(key) === pending) this.loading.delete(key); });
    this.loading.set(key, pending);
    return pending;
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
