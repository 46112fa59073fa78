// Sending the queued messages of one shard. Messages are loaded in seq order into a queue per
// recipient; the head of each queue is sent when the recipient has nothing unacknowledged (order
// per recipient), and all recipients' heads travel together (pipelined, batched frames). An
// acknowledgement settles the head as `sent` and releases the next; a refusal settles it as
// `failed`. Unacknowledged messages are sent again after a reconnect or a timeout: the network
// deduplicates by id, so that is safe, and a message stays queued in the database until its
// `sent` is written, so a crash loses nothing.
import type pg from "pg";
import type { Sealer } from "../crypto/at-rest.js";
import type { BoxKeys } from "../gateway/box.js";
import { KeyDirectoryError, type KeyDirectory } from "../gateway/key-directory.js";
import { networkErrors, type ApiError, type ClientFrame } from "../gateway/protocol.js";
import type { Logger } from "../observability/logger.js";
import { MediaMissingError, type MediaTransfer } from "./media-transfer.js";
import { loadAfter, loadSeqs, queuedUpTo, type QueuedMessage } from "./message-source.js";
import type { CoreappMetrics } from "./metrics.js";
import { deviceContent, outboundMediaId, type StatusChange } from "./payloads.js";

export interface SenderOptions {
  /** An unacknowledged message is sent again after this long. */
  readonly ackTimeoutMs: number;
  /** Fallback poll of the queue (NOTIFY usually wakes the sender first). */
  readonly pollMs: number;
  /** How often to sweep behind the cursor for rows that committed late. */
  readonly sweepMs: number;
  /** Messages held in memory at most. */
  readonly maxLoaded: number;
}

export const defaultSenderOptions: SenderOptions = { ackTimeoutMs: 5000, pollMs: 250, sweepMs: 1000, maxLoaded: 5000 };

export interface SenderDeps {
  readonly pool: pg.Pool;
  readonly sealer: Sealer;
  readonly directory: KeyDirectory;
  readonly box: BoxKeys;
  readonly media: MediaTransfer;
  readonly buckets: readonly number[];
  /** Sends a frame to the network; false while not connected. */
  send(frame: ClientFrame): boolean;
  /** False once the lease may have expired (local clock): nothing more is sent. */
  leaseValid(): boolean;
  /** Records a status change; `done` runs once it is committed. */
  settle(change: StatusChange, done: () => void): void;
  readonly metrics: CoreappMetrics;
  readonly logger: Logger;
  readonly options: SenderOptions;
}

interface Outgoing extends QueuedMessage {
  /** base64 box for the device, made once. */
  box?: string;
  /** When it was last handed to the socket (0: not yet). */
  sentAt: number;
  /** A refusal as undecryptable makes one retry with a fresh device key. */
  keyRetried?: boolean;
}

const frameSize = 500;
const retryPrepareMs = 1000;
/**
 * Loads start at most this often: when every accept batch NOTIFYed, loading for each (a few rows,
 * an index probe per bucket) took more CPU than the messages' own work. At most this much is
 * added to accept → sent. A WebApp NOTIFYs at most this often too (webapp/messages/wake-schedule.ts).
 */
const loadLingerMs = 10;

export class Sender {
  private readonly queues = new Map<string, Outgoing[]>();
  private readonly inflight = new Map<string, Outgoing>();
  /** Recipients whose head can be sent now. */
  private readonly ready = new Set<string>();
  /** Seqs in memory (queued or in flight). */
  private readonly known = new Set<number>();
  /** Seqs settled here whose status is not committed yet (still 'queued' in the database). */
  private readonly settling = new Set<number>();
  private cursor = 0;
  private loading = false;
  private loadAgain = false;
  /** The last load stopped at maxLoaded: more may be queued than is in memory. */
  private loadCapped = false;
  private lastLoadAt = 0;
  private wakeTimer: NodeJS.Timeout | undefined;
  private lastSweep = 0;
  private paused = false;
  private stopped = false;
  private dispatchScheduled = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly deps: SenderDeps) {}

  start(): void {
    const { pollMs, ackTimeoutMs } = this.deps.options;
    this.timers.push(setInterval(() => { this.wake(); }, pollMs));
    this.timers.push(setInterval(() => { this.resendOverdue(); }, Math.max(100, ackTimeoutMs / 4)));
    this.wake();
  }

  /** New messages may be queued: load them (at most every loadLingerMs). */
  wake(): void {
    if (this.paused || this.stopped || this.wakeTimer) return;
    const wait = this.lastLoadAt + loadLingerMs - Date.now();
    if (wait > 0) {
      this.wakeTimer = setTimeout(() => { this.wakeTimer = undefined; this.wake(); }, wait);
      return;
    }
    void this.load();
  }

  /** A (re)connection is ready: everything unacknowledged goes again, then new heads. */
  onOpen(): void {
    this.sendFrames([...this.inflight.values()].filter((m) => m.box !== undefined));
    this.scheduleDispatch();
  }

  onAck(ids: readonly string[]): void {
    const at = new Date();
    for (const id of ids) {
      const m = this.inflight.get(id);
      if (m) this.settle(m, { id: m.id, recipient: m.recipient, status: "sent", at });
    }
    this.afterSettling();
  }

  onRefused(refusals: readonly { id: string; error: ApiError }[]): void {
    const at = new Date();
    for (const { id, error } of refusals) {
      const m = this.inflight.get(id);
      if (!m) continue;
      if (error.code === networkErrors.undecryptable.code && !m.keyRetried) {
        // The device may have a new key since we cached it: one retry with a fresh lookup.
        this.deps.directory.invalidate(m.recipient);
        m.keyRetried = true;
        m.box = undefined;
        this.inflight.delete(id);
        this.ready.add(m.recipient);
        continue;
      }
      this.settle(m, { id: m.id, recipient: m.recipient, status: "failed", at, errors: [error] });
    }
    this.afterSettling();
  }

  /** Stops taking new messages and waits (at most boundMs) for the unacknowledged ones. */
  async drain(boundMs: number): Promise<void> {
    this.paused = true;
    const deadline = Date.now() + boundMs;
    while (this.inflight.size > 0 && Date.now() < deadline && !this.stopped) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    clearTimeout(this.wakeTimer);
    this.deps.metrics.inflight.set(0);
  }

  private settle(m: Outgoing, change: StatusChange): void {
    this.inflight.delete(m.id);
    const queue = this.queues.get(m.recipient);
    if (queue?.[0] === m) queue.shift();
    if (queue?.length) this.ready.add(m.recipient);
    else this.queues.delete(m.recipient);
    this.known.delete(m.seq);
    this.settling.add(m.seq);
    this.deps.settle(change, () => this.settling.delete(m.seq));
  }

  private afterSettling(): void {
    this.deps.metrics.inflight.set(this.inflight.size);
    this.scheduleDispatch();
    // Otherwise new messages come with a NOTIFY (or the poll): no load per acknowledgement.
    if (this.loadCapped && this.known.size < this.deps.options.maxLoaded / 2) this.wake();
  }

  private async load(): Promise<void> {
    if (this.loading) {
      this.loadAgain = true;
      return;
    }
    this.loading = true;
    const { pool, buckets, options } = this.deps;
    try {
      do {
        this.loadAgain = false;
        const room = Math.min(1000, options.maxLoaded - this.known.size);
        this.loadCapped = room <= 0;
        if (room <= 0) break;
        this.lastLoadAt = Date.now();
        const rows = await loadAfter(pool, buckets, this.cursor, room);
        const last = rows.at(-1);
        if (last) this.cursor = Math.max(this.cursor, last.seq);
        this.add(rows);
        if (rows.length === room) this.loadAgain = true;
        if (Date.now() - this.lastSweep >= options.sweepMs) {
          this.lastSweep = Date.now();
          const behind = await queuedUpTo(pool, buckets, this.cursor, options.maxLoaded + 1000);
          const missing = behind.filter((seq) => !this.known.has(seq) && !this.settling.has(seq));
          if (missing.length) this.add(await loadSeqs(pool, missing));
        }
      } while (this.loadAgain && !this.stopped && !this.paused);
    } catch (err) {
      this.deps.logger.warn({ err }, "loading queued messages failed; retrying");
    } finally {
      this.loading = false;
    }
    this.scheduleDispatch();
  }

  private add(rows: readonly QueuedMessage[]): void {
    for (const row of rows) {
      if (this.known.has(row.seq) || this.settling.has(row.seq)) continue;
      this.known.add(row.seq);
      const m: Outgoing = { ...row, sentAt: 0 };
      let queue = this.queues.get(row.recipient);
      if (!queue) this.queues.set(row.recipient, (queue = []));
      // Usually appended; a row that committed late goes to its place, but never before a head in flight.
      let i = queue.length;
      while (i > 0 && (queue[i - 1]?.seq ?? 0) > row.seq) i--;
      if (i === 0 && queue[0] && this.inflight.has(queue[0].id)) i = 1;
      queue.splice(i, 0, m);
      if (!this.inflight.has(queue[0]?.id ?? "")) this.ready.add(row.recipient);
    }
  }

  private scheduleDispatch(): void {
    if (this.dispatchScheduled) return;
    this.dispatchScheduled = true;
    setImmediate(() => {
      this.dispatchScheduled = false;
      this.dispatch();
    });
  }

  /** Takes every ready head, prepares the boxes it lacks, and sends them. */
  private dispatch(): void {
    if (this.paused || this.stopped || this.ready.size === 0 || !this.deps.leaseValid()) return;
    const heads: Outgoing[] = [];
    for (const recipient of this.ready) {
      const head = this.queues.get(recipient)?.[0];
      if (head) {
        heads.push(head);
        this.inflight.set(head.id, head);
      }
    }
    this.ready.clear();
    this.deps.metrics.inflight.set(this.inflight.size);
    this.sendFrames(heads.filter((m) => m.box !== undefined));
    const unprepared = heads.filter((m) => m.box === undefined);
    if (unprepared.length === 0) return;
    void Promise.all(unprepared.map((m) => this.prepare(m))).then(() => {
      if (this.stopped) return;
      this.sendFrames(unprepared.filter((m) => m.box !== undefined && this.inflight.get(m.id) === m));
      this.afterSettling();
    });
  }

  /** Makes the box of a message; settles it as failed when it can never be sent. */
  private async prepare(m: Outgoing): Promise<void> {
    try {
      const body = this.deps.sealer.openJson(m.body) as Record<string, unknown>;
      const mediaId = outboundMediaId(body);
      const [device, ref] = await Promise.all([
        this.deps.directory.lookup(m.recipient),
        mediaId === undefined ? undefined : this.deps.media.outbound(mediaId),
      ]);
      if (!device) {
        this.settle(m, { id: m.id, recipient: m.recipient, status: "failed", at: new Date(), errors: [{ ...networkErrors.notOnWhatsApp, details: "the recipient is not on WhatsApp" }] });
        return;
      }
      m.box = this.deps.box.seal(JSON.stringify(deviceContent(body, ref)), device.publicKey).toString("base64");
    } catch (err) {
      if (err instanceof MediaMissingError) {
        this.settle(m, { id: m.id, recipient: m.recipient, status: "failed", at: new Date(), errors: [{ code: 1006, title: "Resource not found", details: err.message }] });
        return;
      }
      // The directory or the media store is unreachable for now: try again shortly.
      if (!(err instanceof KeyDirectoryError)) this.deps.logger.warn({ err, id: m.id }, "preparing a message failed; retrying");
      this.inflight.delete(m.id);
      setTimeout(() => {
        if (this.stopped) return;
        this.ready.add(m.recipient);
        this.scheduleDispatch();
      }, retryPrepareMs);
    }
  }

  private sendFrames(messages: readonly Outgoing[]): void {
    if (messages.length === 0 || !this.deps.leaseValid()) return;
    const now = Date.now();
    for (let i = 0; i < messages.length; i += frameSize) {
      const chunk = messages.slice(i, i + frameSize);
      const sent = this.deps.send({ type: "send", messages: chunk.map((m) => ({ id: m.id, to: m.recipient, box: m.box ?? "" })) });
      if (!sent) return; // not connected: onOpen sends them
      for (const m of chunk) {
        if (m.sentAt > 0) this.deps.metrics.resends.inc();
        m.sentAt = now;
      }
    }
  }

  private resendOverdue(): void {
    const overdue = Date.now() - this.deps.options.ackTimeoutMs;
    // Never handed to the socket (not connected, or the lease was in doubt) counts as overdue too.
    const late = [...this.inflight.values()].filter((m) => m.box !== undefined && m.sentAt < overdue);
    this.sendFrames(late);
  }
}
