// LISTEN on one dedicated connection, reconnecting after errors. Notifications are only hints
// (everyone also polls), so a gap while reconnecting or changing channels costs latency, never
// correctness. The channels can change while connected (a spare CoreApp need not hear of every
// accepted message: at 1000 messages/s that was ~200 notifications/s, 4% of a core, for nothing).
import type pg from "pg";
import type { Logger } from "../observability/logger.js";

export class Notifications {
  private client: pg.PoolClient | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  /** What the connection listens to now; changes are applied one after another. */
  private listening = new Set<string>();
  private wanted: Set<string>;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly pool: pg.Pool,
    channels: readonly string[],
    private readonly onNotify: (channel: string, payload: string) => void,
    private readonly logger: Logger,
  ) {
    this.wanted = new Set(channels);
  }

  /** Listens to exactly these channels from now on. */
  listenTo(channels: readonly string[]): void {
    this.wanted = new Set(channels);
    const client = this.client;
    if (client) this.apply(client);
  }

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
      this.listening = new Set();
      this.client = c;
      this.apply(c);
      await this.applying;
      // stop() may have run while connecting.
      if (this.isStopped()) this.lost(c, undefined);
    } catch (err) {
      if (client) this.lost(client, err);
      else this.scheduleRetry(err);
    }
  }

  /** Brings the connection's LISTENs to `wanted`, after any change already under way. */
  private apply(client: pg.PoolClient): void {
    this.applying = this.applying.then(async () => {
      if (this.client !== client) return;
      for (const channel of [...this.listening].filter((c) => !this.wanted.has(c))) {
        await client.query(`UNLISTEN ${channel}`);
        this.listening.delete(channel);
      }
      for (const channel of [...this.wanted].filter((c) => !this.listening.has(c))) {
        await client.query(`LISTEN ${channel}`);
        this.listening.add(channel);
      }
    }).catch((err: unknown) => { this.lost(client, err); });
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
