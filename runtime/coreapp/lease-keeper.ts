// Keeps this node's place in the shard map: a spare tries to claim a shard every `spareMs`; an
// owner renews every lease/3 and, when the shard map has a newer generation, drains and releases
// so the new generation can start (the barrier in lease.ts). A renewal that finds the lease
// taken, or no successful renewal before the lease would have expired by the local clock, means
// the lease is lost: the shard's work stops at once.
import type pg from "pg";
import type { Logger } from "../observability/logger.js";
import { currentShardMap } from "../sharding/shard-map.js";
import { claimShard, releaseLease, renewLease, type Lease } from "./lease.js";
import type { CoreappMetrics } from "./metrics.js";

export interface LeaseHooks {
  /** A lease was taken: start serving it. */
  acquired(lease: Lease): void;
  /** The lease is gone: stop at once. */
  lost(lease: Lease): void;
  /** The lease will be released: finish in-flight work (bounded) first. */
  drain(lease: Lease): Promise<void>;
}

export interface LeaseKeeperOptions {
  readonly pool: pg.Pool;
  readonly holder: string;
  readonly leaseSeconds: number;
  readonly hooks: LeaseHooks;
  readonly metrics: CoreappMetrics;
  readonly logger: Logger;
  /** How often a spare tries to claim. Default min(500 ms, lease/3). */
  readonly spareMs?: number;
}

/** Margin kept below the lease's end by the local clock, for clock rate and request time. */
const safetyMs = 500;

export class LeaseKeeper {
  private lease: Lease | undefined;
  private validUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private tickAgain = false;

  constructor(private readonly options: LeaseKeeperOptions) {}

  get current(): Lease | undefined {
    return this.lease;
  }

  /** False from the moment the lease may have expired (nothing may be sent then). */
  valid(): boolean {
    return this.lease !== undefined && Date.now() < this.validUntil;
  }

  start(): void {
    this.stopped = false;
    this.tickNow();
  }

  /** Run a tick now (e.g. the shard map changed). */
  tickNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.tickAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.tick()
      .catch((err: unknown) => { this.options.logger.warn({ err }, "lease tick failed"); })
      .finally(() => {
        this.running = undefined;
        if (this.stopped) return;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.tickNow();
          return;
        }
        const renewMs = (this.options.leaseSeconds * 1000) / 3;
        const wait = this.lease ? renewMs : (this.options.spareMs ?? Math.min(500, renewMs));
        this.timer = setTimeout(() => { this.tickNow(); }, wait);
      });
  }

  /** Marks the lease lost (a fenced write found it gone). */
  lost(): void {
    const lease = this.lease;
    if (!lease) return;
    this.drop(lease, "lost");
  }

  /** Graceful stop: drain and release the lease, claim nothing more. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    const lease = this.lease;
    if (lease) await this.release(lease);
  }

  private async tick(): Promise<void> {
    const { pool, leaseSeconds, holder, logger } = this.options;
    const lease = this.lease;
    const started = Date.now();
    if (lease) {
      if (started >= this.validUntil) {
        this.drop(lease, "lost");
        return;
      }
      const map = await currentShardMap(pool);
      if (map && map.generation > lease.generation) {
        logger.info({ from: lease.shards, to: map.shards, generation: map.generation }, "shard map changed: releasing the shard");
        await this.release(lease);
        return;
      }
      if (await renewLease(pool, lease, leaseSeconds)) this.validUntil = started + leaseSeconds * 1000 - safetyMs;
      else this.drop(lease, "lost");
      return;
    }
    const map = await currentShardMap(pool);
    if (!map) return;
    const claimed = await claimShard(pool, holder, map, leaseSeconds);
    if (!claimed || this.stopped) {
      if (claimed) await releaseLease(pool, claimed);
      return;
    }
    this.lease = claimed;
    this.validUntil = started + leaseSeconds * 1000 - safetyMs;
    this.options.metrics.leaseChanges.inc({ change: "acquired" });
    this.options.metrics.shard.set(claimed.shard);
    logger.info({ generation: claimed.generation, shard: claimed.shard, shards: claimed.shards, epoch: claimed.epoch }, "shard lease acquired");
    this.options.hooks.acquired(claimed);
  }

  private drop(lease: Lease, change: "lost" | "released"): void {
    if (this.lease !== lease) return;
    this.lease = undefined;
    this.validUntil = 0;
    this.options.metrics.leaseChanges.inc({ change });
    this.options.metrics.shard.set(-1);
    if (change === "lost") {
      this.options.logger.warn({ generation: lease.generation, shard: lease.shard, epoch: lease.epoch }, "shard lease lost");
      this.options.hooks.lost(lease);
    }
  }

  private async release(lease: Lease): Promise<void> {
    await this.options.hooks.drain(lease);
    if (this.lease !== lease) return;
    await releaseLease(this.options.pool, lease).catch((err: unknown) => {
      this.options.logger.warn({ err }, "releasing the lease failed; it expires by itself");
    });
    this.options.logger.info({ generation: lease.generation, shard: lease.shard }, "shard lease released");
    this.drop(lease, "released");
  }
}
