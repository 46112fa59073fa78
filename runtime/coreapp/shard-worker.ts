// Everything a CoreApp does for the one shard it holds a lease on: sending (Sender), inbound and
// read receipts (Inbound), and the group-committed, fenced status writes that turn acks, refusals
// and receipts into messages/webhook_outbox rows. Network events for buckets outside the shard
// are ignored (left unconfirmed for their owner).
import type pg from "pg";
import type { Sealer } from "../crypto/at-rest.js";
import type { BoxKeys } from "../gateway/box.js";
import type { KeyDirectory } from "../gateway/key-directory.js";
import type { ApiError, ClientFrame, NetworkEvent } from "../gateway/protocol.js";
import type { Logger } from "../observability/logger.js";
import { bucketOf, bucketsOfShard } from "../sharding/hash.js";
import { GroupCommit } from "./group-commit.js";
import { Inbound } from "./inbound.js";
import type { Lease } from "./lease.js";
import type { MediaTransfer } from "./media-transfer.js";
import { queueDepth } from "./message-source.js";
import type { CoreappMetrics } from "./metrics.js";
import type { StatusChange } from "./payloads.js";
import { Sender, type SenderOptions } from "./sender.js";
import { writeStatuses } from "./writes.js";

export interface WorkerDeps {
  readonly pool: pg.Pool;
  readonly sealer: Sealer;
  readonly directory: KeyDirectory;
  readonly box: BoxKeys;
  readonly media: MediaTransfer;
  send(frame: ClientFrame): boolean;
  readonly metrics: CoreappMetrics;
  readonly logger: Logger;
  readonly senderOptions: SenderOptions;
}

interface StatusItem {
  readonly change: StatusChange;
  readonly eid?: string;
  readonly done?: () => void;
}

const confirmChunk = 1000;
/**
 * Status writes start at most this often. Back to back, they carried ~17 statuses each at 1000
 * messages/s; 50 ms apart, ~154, and (with loads 10 ms apart, sender.ts) the benchmark's CPU per
 * message fell from 1.93 to 1.31-1.64 ms (ten runs): PostgreSQL 0.72 → 0.43-0.54, the dispatcher
 * (its claims follow the writes' NOTIFYs) 0.22 → 0.10-0.13. Adds at most this much to a status's
 * way to the webhook (accept → delivered webhook p50 70-84 ms instead of 35-50).
 */
const statusLingerMs = 50;
/** Messages whose `sent` this worker recorded, remembered for their later receipts. */
const sentRememberedMax = 50_000;

export class ShardWorker {
  readonly buckets: readonly number[];
  private readonly bucketSet: ReadonlySet<number>;
  private readonly sender: Sender;
  private readonly inbound: Inbound;
  private readonly statuses: GroupCommit<StatusItem>;
  private readTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  /**
   * Ids of messages whose `sent` is committed (recorded here; oldest forgotten first). Their
   * `delivered` and `read` need no implied `sent` event sealed in case the `sent` was never
   * recorded: two of every message's five sealed payloads, usually thrown away by the database.
   */
  private readonly sentRecorded = new Set<string>();

  constructor(
    private readonly deps: WorkerDeps,
    readonly lease: Lease,
    leaseValid: () => boolean,
    /** Called once when a fenced write finds the lease lost. */
    private readonly onLost: () => void,
  ) {
    this.buckets = bucketsOfShard(lease.shard, lease.shards);
    this.bucketSet = new Set(this.buckets);
    this.statuses = new GroupCommit((items) => this.writeStatuses(items), (err) => { deps.logger.warn({ err }, "writing statuses failed; retrying"); }, 2000, 500, statusLingerMs);
    this.sender = new Sender({
      ...deps, buckets: this.buckets, leaseValid, options: deps.senderOptions,
      settle: (change, done) => { this.statuses.add({ change, done }); },
    });
    this.inbound = new Inbound({ ...deps, lease, buckets: this.buckets, onLost: () => { this.lost(); }, confirm: (eids) => { this.confirm(eids); } });
  }

  start(): void {
    this.readTimer = setInterval(() => { this.wakeReads(); }, 1000);
    this.sender.start();
    this.wakeReads();
  }

  owns(bucket: number): boolean {
    return this.bucketSet.has(bucket);
  }

  /** A NOTIFY on waba_messages for one of our buckets: new messages. */
  wake(): void {
    this.sender.wake();
  }

  /** A NOTIFY on waba_messages for one of our buckets: a read request (r<bucket>). */
  readRequested(): void {
    this.wakeReads();
  }

  onOpen(): void { this.sender.onOpen(); }
  onAck(ids: readonly string[]): void { this.sender.onAck(ids); }
  onRefused(messages: readonly { id: string; error: ApiError }[]): void { this.sender.onRefused(messages); }
  onReadAck(ids: readonly string[]): void { this.inbound.onReadAck(ids); }

  onEvents(events: readonly NetworkEvent[]): void {
    for (const e of events) {
      if (e.kind === "status") {
        if (!this.owns(bucketOf(e.recipient))) continue;
        this.statuses.add({ eid: e.eid, change: { id: e.id, recipient: e.recipient, status: e.status, at: new Date(e.timestamp * 1000) } });
      } else if (this.owns(bucketOf(e.from))) {
        this.inbound.onEvent(e);
      }
    }
  }

  async queueDepth(): Promise<number> {
    return queueDepth(this.deps.pool, this.buckets);
  }

  /** Re-sharding or a graceful stop: no new sends, wait (bounded) for acks, write what is pending, stop. */
  async drain(boundMs: number): Promise<void> {
    await this.sender.drain(boundMs);
    await Promise.race([
      Promise.all([this.statuses.drained(), this.inbound.drained()]),
      new Promise((resolve) => setTimeout(resolve, boundMs)),
    ]);
    this.stop();
  }

  /** Stops at once (lease lost): whatever is unwritten stays queued/unconfirmed for the next owner. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.readTimer);
    this.sender.stop();
    this.inbound.stop();
    this.statuses.close();
  }

  private lost(): void {
    if (!this.stopped) this.onLost();
  }

  private wakeReads(): void {
    this.inbound.pollReads().catch((err: unknown) => { this.deps.logger.warn({ err }, "reading read requests failed"); });
  }

  private confirm(eids: readonly string[]): void {
    for (let i = 0; i < eids.length; i += confirmChunk) this.deps.send({ type: "confirm", eids: eids.slice(i, i + confirmChunk) });
  }

  private async writeStatuses(items: StatusItem[]): Promise<void> {
    // One row per (message, status): repeats (a re-sent receipt, a second ack) add nothing.
    const seen = new Set<string>();
    const changes = items.map((i) => i.change).filter((c) => {
      const key = `${c.id} ${c.status}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    const end = this.deps.metrics.writeSeconds.startTimer();
    const result = await writeStatuses(this.deps.pool, this.lease, this.deps.sealer, changes, this.sentRecorded);
    end();
    if (!result.held) {
      this.lost();
      return;
    }
    for (const c of changes) if (c.status === "sent") this.sentRecorded.add(c.id);
    for (const id of this.sentRecorded) {
      if (this.sentRecorded.size <= sentRememberedMax) break;
      this.sentRecorded.delete(id);
    }
    const m = this.deps.metrics;
    const now = Date.now();
    for (const f of result.fresh) {
      const age = Math.max(0, now - f.createdMs) / 1000;
      if (f.status === "sent") { m.sent.inc(); m.acceptToSent.observe(age); }
      else if (f.status === "delivered") { m.delivered.inc(); m.acceptToDelivered.observe(age); }
      else if (f.status === "read") m.read.inc();
      else m.failed.inc();
    }
    this.confirm(items.flatMap((i) => (i.eid ? [i.eid] : [])));
    for (const i of items) i.done?.();
  }
}
