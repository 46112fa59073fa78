// Logged-out tokens, mirrored in memory so no request reads the database to check them. A logout
// on this replica applies at once; one on another replica within one poll (`pollMs`).
import type pg from "pg";
import { startPoller, type Poller } from "../poller.js";

export class RevocationList {
  private revoked = new Set<string>();
  /** Added here since the last poll began: kept until a poll has surely seen them. */
  private readonly local = new Map<string, number>();
  private poller: Poller | undefined;
  private polls = 0;

  constructor(private readonly pool: pg.Pool) {}

  /** Starts mirroring the table; resolves after the first successful load. */
  start(pollMs: number, onError: (err: unknown) => void): Promise<void> {
    this.poller ??= startPoller(() => this.refresh(), pollMs, onError);
    return this.poller.ready;
  }

  has(tokenId: string): boolean {
    return this.revoked.has(tokenId) || this.local.has(tokenId);
  }

  /** Records the revocation durably, then here. */
  async revoke(tokenId: string, expiresAtSeconds: number): Promise<void> {
    await this.pool.query(
      "INSERT INTO revoked_tokens (token_id, expires_at) VALUES ($1, to_timestamp($2)) ON CONFLICT (token_id) DO NOTHING",
      [tokenId, expiresAtSeconds],
    );
    this.local.set(tokenId, Date.now());
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
  }

  private async refresh(): Promise<void> {
    const started = Date.now();
    const { rows } = await this.pool.query<{ token_id: string }>("SELECT token_id FROM revoked_tokens WHERE expires_at > now()");
    this.revoked = new Set(rows.map((r) => r.token_id));
    for (const [id, at] of this.local) if (at < started - 1000) this.local.delete(id);
    // expired revocations are of no use (expired tokens are refused anyway): prune now and then
    this.polls += 1;
    if (this.polls % 600 === 1) await this.pool.query("DELETE FROM revoked_tokens WHERE expires_at < now() - interval '1 day'");
  }
}
