// The network's key directory: who is on WhatsApp and their device's public key.
// GET /v1/keys/{wa_id} → 200 {"wa_id","public_key"(base64)} | 404 (not on WhatsApp).
// Answers are cached (a miss for a shorter time, since people join WhatsApp), concurrent lookups
// of one wa_id share one request, and requests go over a keep-alive undici Pool.
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
      pending = this.fetchKey(waId).finally(() => this.inflight.delete(waId));
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

  private async fetchKey(waId: string): Promise<DeviceKey | undefined> {
    let statusCode: number;
    let text: string;
    try {
      const res = await this.pool.request({
        method: "GET",
        path: `${this.prefix}/v1/keys/${waId}`,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      statusCode = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new KeyDirectoryError(`key directory unreachable: ${(err as Error).message}`);
    }
    if (statusCode === 404) return this.remember(waId, undefined, this.missTtlMs);
    if (statusCode !== 200) throw new KeyDirectoryError(`key directory answered HTTP ${statusCode}`);
    const publicKey = parseKey(text, waId);
    return this.remember(waId, { waId, publicKey }, this.ttlMs);
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

function parseKey(text: string, waId: string): Uint8Array {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new KeyDirectoryError("key directory answered with invalid JSON");
  }
  const { wa_id, public_key } = (body ?? {}) as { wa_id?: unknown; public_key?: unknown };
  if (wa_id !== waId || typeof public_key !== "string") throw new KeyDirectoryError("key directory answer lacks wa_id or public_key");
  const key = Buffer.from(public_key, "base64");
  if (key.length !== 32) throw new KeyDirectoryError("key directory answered a public_key that is not 32 bytes");
  return new Uint8Array(key);
}
