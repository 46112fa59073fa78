// LISTEN on one dedicated connection, reconnecting after errors. Notifications are only hints
// (everyone also polls), so a gap while reconnecting costs latency, never correctness.
import type pg from "pg";
import type { Logger } from "../observability/logger.js";

export class Notifications {
  private client: pg.PoolClient | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly channels: readonly string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    client?.release(true);
    await this.pool.end();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const c = client;
      c.on("notification", (n) => { this.onNotify(n.channel, n.payload ?? ""); });
      c.on("error", (err) => { this.lost(c, err); });
      for (const channel of this.channels) await c.query(`LISTEN ${channel}`);
      this.client = c;
      // stop() may have run while connecting.
      if (this.isStopped()) this.lost(c, undefined);
    } catch (err) {
      if (client) this.lost(client, err);
      else this.scheduleRetry(err);
    }
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  private lost(client: pg.PoolClient, err: unknown): void {
    if (this.client === client) this.client = undefined;
    try {
      client.release(true);
    } catch {
      // already released
    }
    this.scheduleRetry(err);
  }

  private scheduleRetry(err: unknown): void {
    if (this.stopped || this.retry) return;
    this.logger.warn({ err }, "LISTEN connection lost; reconnecting");
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, 1000);
  }
}
