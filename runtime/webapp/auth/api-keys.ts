// API key pairs of machine clients (api_keys: key_id, scrypt hash of the secret, role).
// A slow hash per request would cap the API at a few dozen requests/s, so a secret verified once
// is remembered as a keyed digest (HMAC with a per-process random key: useless outside this
// process) next to the stored hash it was verified against. The key's row is re-read at most
// every `recordTtlMs`, so a rotated or deleted key stops working within that bound on every
// replica. Slow verifications run at most `slowConcurrency` at a time (a flood of wrong secrets
// costs bounded CPU), and concurrent requests with the same secret share one.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { verifySecret } from "../../crypto/password.js";
import { TtlCache } from "../ttl-cache.js";
import type { UserRole } from "./permissions.js";

interface KeyRecord {
  readonly secretHash: string;
  readonly role: UserRole;
}

interface Verified {
  readonly digest: Buffer;
  readonly secretHash: string;
  readonly until: number;
}

export interface ApiKeyOptions {
  /** How long a key's row is trusted (rotation/deletion bound). Default 1 s. */
  readonly recordTtlMs?: number;
  /** How long a verified secret is remembered at most. Default 15 minutes. */
  readonly verifiedTtlMs?: number;
  readonly slowConcurrency?: number;
}

export class ApiKeyVerifier {
  private readonly digestKey = randomBytes(32);
  private readonly records: TtlCache<string, KeyRecord | undefined>;
  private readonly verified = new Map<string, Verified>();
  /** Slow verifications under way, by key id and digest: a burst of one secret costs one. */
  private readonly verifying = new Map<string, Promise<boolean>>();
  private readonly slow: Semaphore;
  private readonly verifiedTtlMs: number;

  constructor(pool: pg.Pool, options: ApiKeyOptions = {}) {
    this.records = new TtlCache(async (keyId) => {
      const { rows } = await pool.query<{ secret_hash: string; role: UserRole }>("SELECT secret_hash, role FROM api_keys WHERE key_id = $1", [keyId]);
      const row = rows[0];
      return row ? { secretHash: row.secret_hash, role: row.role } : undefined;
    }, options.recordTtlMs ?? 1000);
    this.verifiedTtlMs = options.verifiedTtlMs ?? 15 * 60_000;
    this.slow = new Semaphore(options.slowConcurrency ?? 2);
  }

  /** The key's role when `secret` is its secret, else undefined. */
  async verify(keyId: string, secret: string): Promise<UserRole | undefined> {
    if (keyId.length > 128 || secret.length > 256) return undefined;
    const record = await this.records.get(keyId);
    if (!record) return undefined;
    const digest = createHmac("sha256", this.digestKey).update(keyId).update("\0").update(secret).digest();
    const known = this.verified.get(keyId);
    if (known && known.secretHash === record.secretHash && known.until > Date.now() && timingSafeEqual(known.digest, digest)) return record.role;
    const attempt = `${keyId}\0${digest.toString("hex")}\0${record.secretHash}`;
    let pending = this.verifying.get(attempt);
    if (!pending) {
      pending = this.slow.run(() => verifySecret(secret, record.secretHash)).finally(() => this.verifying.delete(attempt));
      this.verifying.set(attempt, pending);
    }
    if (!(await pending)) return undefined;
    this.verified.set(keyId, { digest, secretHash: record.secretHash, until: Date.now() + this.verifiedTtlMs });
    return record.role;
  }
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      this.waiting.shift()?.();
    }
  }
}
