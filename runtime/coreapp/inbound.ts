// Inbound messages and read receipts for one shard. An inbound message is decrypted with the
// business key and the sender's device key, its media downloaded into the media store, and it is
// stored with its webhook event in one batched statement; only then is it confirmed to the
// network (which re-sends anything unconfirmed, so a crash loses nothing and a repeat is a no-op).
// Read requests set by the WebApp are sent to the network and marked sent when it acknowledges.
import type pg from "pg";
import type { Sealer } from "../crypto/at-rest.js";
import type { BoxKeys } from "../gateway/box.js";
import type { KeyDirectory } from "../gateway/key-directory.js";
import type { ClientFrame, InboundEvent } from "../gateway/protocol.js";
import type { Logger } from "../observability/logger.js";
import { bucketOf } from "../sharding/hash.js";
import { GroupCommit } from "./group-commit.js";
import type { Lease } from "./lease.js";
import type { MediaTransfer } from "./media-transfer.js";
import type { CoreappMetrics } from "./metrics.js";
import { inboundMediaRef, inboundMessageObject, inboundPayload } from "./payloads.js";
import { writeInbound, writeReadsSent, type InboundRow } from "./writes.js";

export interface InboundDeps {
  readonly pool: pg.Pool;
  readonly sealer: Sealer;
  readonly directory: KeyDirectory;
  readonly box: BoxKeys;
  readonly media: MediaTransfer;
  readonly lease: Lease;
  readonly buckets: readonly number[];
  send(frame: ClientFrame): boolean;
  /** Confirms network events once stored. */
  confirm(eids: readonly string[]): void;
  /** The lease is gone (a fenced write found it lost). */
  onLost(): void;
  readonly metrics: CoreappMetrics;
  readonly logger: Logger;
}

/** A read receipt not acknowledged within this time is sent again. */
const readResendMs = 5000;

export class Inbound {
  private readonly processing = new Set<string>();
  private readonly stored: GroupCommit<{ row?: InboundRow; eid: string }>;
  private readonly readsInflight = new Map<string, number>();
  private readonly readsSent: GroupCommit<string>;
  private polling = false;
  private stopped = false;

  constructor(private readonly deps: InboundDeps) {
    const onError = (err: unknown) => { deps.logger.warn({ err }, "writing inbound state failed; retrying"); };
    this.stored = new GroupCommit((items) => this.store(items), onError);
    this.readsSent = new GroupCommit((ids) => this.markReadsSent(ids), onError);
  }

  onEvent(event: InboundEvent): void {
    if (this.stopped || this.processing.has(event.eid)) return;
    this.processing.add(event.eid);
    this.process(event).catch((err: unknown) => {
      // Left unconfirmed: the network sends it again.
      this.processing.delete(event.eid);
      this.deps.logger.warn({ err, id: event.id }, "an inbound message could not be stored yet");
    });
  }

  /** Sends read receipts the WebApp asked for (PUT /v1/messages/{id}). */
  async pollReads(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const { rows } = await this.deps.pool.query<{ id: string; from_wa_id: string }>({
        name: "waba_coreapp_read_requests",
        text: `SELECT id, from_wa_id FROM inbound_messages
               WHERE bucket = ANY($1::smallint[]) AND read_requested_at IS NOT NULL AND read_sent_at IS NULL
               ORDER BY read_requested_at LIMIT 500`,
        values: [this.deps.buckets],
      });
      const now = Date.now();
      const due = rows.filter((r) => (this.readsInflight.get(r.id) ?? 0) < now - readResendMs);
      if (due.length && this.deps.send({ type: "read", receipts: due.map((r) => ({ id: r.id, to: r.from_wa_id })) })) {
        for (const r of due) this.readsInflight.set(r.id, now);
      }
    } finally {
      this.polling = false;
    }
  }

  onReadAck(ids: readonly string[]): void {
    for (const id of ids) if (this.readsInflight.has(id)) this.readsSent.add(id);
  }

  async drained(): Promise<void> {
    await Promise.all([this.stored.drained(), this.readsSent.drained()]);
  }

  stop(): void {
    this.stopped = true;
    this.stored.close();
    this.readsSent.close();
  }

  private async process(event: InboundEvent): Promise<void> {
    const content = await this.decrypt(event);
    if (content === undefined) {
      // Garbage can never become readable: confirm it away rather than have it re-sent forever.
      this.deps.logger.warn({ id: event.id }, "an inbound message did not decrypt; dropped");
      this.stored.add({ eid: event.eid });
      return;
    }
    const ref = inboundMediaRef(content);
    const media = ref ? await this.deps.media.inbound(ref) : undefined;
    const message = inboundMessageObject({ id: event.id, from: event.from, timestamp: event.timestamp }, content, media?.id);
    this.stored.add({
      eid: event.eid,
      row: {
        id: event.id, from: event.from, bucket: bucketOf(event.from), type: message.type as string, message,
        payload: inboundPayload(event.from, event.name, message), ...(media ? { media } : {}),
      },
    });
  }

  /** The decrypted content; a failure with a cached key is retried once with a fresh one. */
  private async decrypt(event: InboundEvent): Promise<Record<string, unknown> | undefined> {
    const box = Buffer.from(event.box, "base64");
    for (let attempt = 0; attempt < 2; attempt++) {
      const device = await this.deps.directory.lookup(event.from);
      const plain = device && this.deps.box.open(box, device.publicKey);
      if (plain) {
        try {
          const content = JSON.parse(plain.toString("utf8")) as unknown;
          return typeof content === "object" && content !== null ? (content as Record<string, unknown>) : undefined;
        } catch {
          return undefined;
        }
      }
      this.deps.directory.invalidate(event.from);
    }
    return undefined;
  }

  private async store(items: { row?: InboundRow; eid: string }[]): Promise<void> {
    const rows = items.flatMap((i) => (i.row ? [i.row] : []));
    if (rows.length) {
      const result = await writeInbound(this.deps.pool, this.deps.lease, this.deps.sealer, rows);
      if (!result.held) {
        this.deps.onLost();
        return;
      }
      this.deps.metrics.inbound.inc(result.stored);
    }
    this.deps.confirm(items.map((i) => i.eid));
    for (const i of items) this.processing.delete(i.eid);
  }

  private async markReadsSent(ids: string[]): Promise<void> {
    const { held } = await writeReadsSent(this.deps.pool, this.deps.lease, ids);
    if (!held) {
      this.deps.onLost();
      return;
    }
    for (const id of ids) this.readsInflight.delete(id);
  }
}
