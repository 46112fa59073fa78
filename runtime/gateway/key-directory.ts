// The network's key directory: who is on WhatsApp and their device's public key.
// POST /v1/keys {"wa_ids":[…]} → 200 {"keys":[{"wa_id","public_key"(base64)}…]}, leaving out the
// numbers not on WhatsApp (GET /v1/keys/{wa_id} asks for one). Lookups not answered from the cache
// in one turn of the event loop share one request (up to maxKeysPerQuery numbers): with one
// request per number, messages to 1000 new numbers/s fell seconds behind (accept → delivered p50
// 3.3 s in the benchmark; 86 ms batched). Answers are cached (a miss for a shorter time, since
// people join WhatsApp); requests go over a keep-alive undici Pool.
import { Pool } from "undici";
import { assertWaId, gatewayUrls } from "./urls.js";

export interface DeviceKey {
  readonly waId: string;
  readonly publicKey: Uint8Array;
}

export interface KeyDirectoryOptions {
  /** How long a found key is trusted. Default 10 minutes. */
  readonly ttlMs?: number;
  /** How long "not on WhatsApp" is trusted. Default 30 seconds. */
  readonly missTtlMs?: number;
  /** Cache entries kept at most (oldest dropped first). Default 200 000. */
  readonly maxEntries?: number;
  /** Concurrent HTTP connections. Default 8. */
  readonly connections?: number;
  /** Per-request timeout. Default 5 seconds. */
  readonly timeoutMs?: number;
}

/** Numbers per POST /v1/keys at most. */
export const maxKeysPerQuery = 500;

interface Entry {
  readonly key: DeviceKey | undefined;
  readonly until: number;
}

export class KeyDirectoryError extends Error {}

export class KeyDirectory {
  private readonly pool: Pool;
  private readonly prefix: string;
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<DeviceKey | undefined>>();
  /** Numbers to ask for in the next request, with how to answer their lookups. */
  private queued = new Map<string, { resolve(key: DeviceKey | undefined): void; reject(err: Error): void }>();
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly maxEntries: number;
  private readonly timeoutMs: number;

  constructor(gatewayBaseUrl: string, options: KeyDirectoryOptions = {}) {
    const urls = gatewayUrls(gatewayBaseUrl);
    this.prefix = urls.prefix;
    this.ttlMs = options.ttlMs ?? 600_000;
    this.missTtlMs = options.missTtlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 200_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.pool = new Pool(urls.httpOrigin, { connections: options.connections ?? 8, pipelining: 1 });
  }

  /**
   * The device key of `waId`, or undefined when the number is not on WhatsApp. Throws
   * KeyDirectoryError when the directory cannot be asked (nothing is cached then), TypeError
   * when waId is not 5 to 20 digits.
   */
  lookup(waId: string): Promise<DeviceKey | undefined> {
    assertWaId(waId);
    const cached = this.cache.get(waId);
    if (cached && cached.until > Date.now()) return Promise.resolve(cached.key);
    let pending = this.inflight.get(waId);
    if (!pending) {
      pending = new Promise<DeviceKey | undefined>((resolve, reject) => {
        if (this.queued.size === 0) setImmediate(() => { this.flush(); });
        this.queued.set(waId, { resolve, reject });
        if (this.queued.size >= maxKeysPerQuery) this.flush();
      }).finally(() => this.inflight.delete(waId));
      this.inflight.set(waId, pending);
    }
    return pending;
  }

  /** Forgets a cached answer, e.g. after the network said a message did not decrypt (new device). */
  invalidate(waId: string): void {
    this.cache.delete(waId);
  }

  /** Closes the connections; safe to call twice. */
  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }

  /** Asks for the queued numbers in one request and answers their lookups. */
  private flush(): void {
    const batch = this.queued;
    if (batch.size === 0) return;
    this.queued = new Map();
    this.fetchKeys([...batch.keys()]).then(
      (keys) => {
        for (const [waId, lookup] of batch) {
          const key = keys.get(waId);
          lookup.resolve(this.remember(waId, key, key ? this.ttlMs : this.missTtlMs));
        }
      },
      (err: unknown) => { for (const lookup of batch.values()) lookup.reject(err as Error); },
    );
  }

  private async fetchKeys(waIds: readonly string[]): Promise<Map<string, DeviceKey>> {
    let statusCode: number;
    let text: string;
    try {
      const res = await this.pool.request({
        method: "POST",
        path: `${this.prefix}/v1/keys`,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ wa_ids: waIds }),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new KeyDirectoryError(`key directory unreachable: ${(err as Error).message}`);
    }
    if (statusCode !== 200) throw new KeyDirectoryError(`key directory answered HTTP ${statusCode}`);
    return parseKeys(text, new Set(waIds));
  }

  private remember(waId: string, key: DeviceKey | undefined, ttl: number): DeviceKey | undefined {
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.delete(waId);
    this.cache.set(waId, { key, until: Date.now() + ttl });
    return key;
  }
}

function parseKeys(text: string, asked: ReadonlySet<string>): Map<string, DeviceKey> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KeyDirectoryError("key directory answered with invalid JSON");
  }
  const entries = (body as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(entries)) throw new KeyDirectoryError("key directory answer lacks keys");
  const keys = new Map<string, DeviceKey>();
  for (const entry of entries as unknown[]) {
    const { wa_id, public_key } = (entry ?? {}) as { wa_id?: unknown; public_key?: unknown };
    if (typeof wa_id !== "string" || !asked.has(wa_id) || typeof public_key !== "string") {
      throw new KeyDirectoryError("key directory answered a key without wa_id or public_key, or for a number not asked for");
    }
    const key = Buffer.from(public_key, "base64");
    if (key.length !== 32) throw new KeyDirectoryError("key directory answered a public_key that is not 32 bytes");
    keys.set(wa_id, { waId: wa_id, publicKey: new Uint8Array(key) });
  }
  return keys;
}
