// The simulated WhatsApp network: what it does with the frames of connected CoreApps, apart from
// sockets (server.ts) and HTTP (control.ts). It checks that each message decrypts for the
// addressed device, deduplicates by message id (a repeat is acknowledged again, never delivered
// again), records deliveries in arrival order, sends delivered/read receipts after their delays,
// and routes receipts and inbound messages to the connection serving the recipient's shard,
// holding and re-sending them until a CoreApp confirms them.
import { randomBytes } from "node:crypto";
import type { ApiError, NetworkEvent } from "../gateway/protocol.js";
import { networkErrors } from "../gateway/protocol.js";
import { decryptMedia, encryptMedia, isMediaRef, isMediaType, type MediaType } from "../gateway/media-crypto.js";
import { recipientHash } from "../sharding/hash.js";
import type { DeviceDirectory } from "./devices.js";
import { DueQueue } from "./due-queue.js";
import type { SimMediaStore } from "./media-store.js";

export interface Behaviour {
  /** Delay from acknowledgement to the `delivered` receipt. */
  readonly deliveredDelayMs: number;
  /** Delay from `delivered` to `read`. */
  readonly readDelayMs: number;
  /** Share of delivered messages that are read (0..1). */
  readonly readProbability: number;
  /** Delay before the network handles a frame of messages. */
  readonly latencyMs: number;
  /** Share of messages lost on the way in: neither delivered nor acknowledged. */
  readonly dropRate: number;
  /** Share of acknowledgements lost on the way back: delivered, not acknowledged. */
  readonly ackDropRate: number;
  /** "full" keeps every delivered message for inspection, "counters" only counts (benchmarks). */
  readonly record: "full" | "counters";
  /** An unconfirmed event is sent again after this long. */
  readonly eventResendMs: number;
}

export const defaultBehaviour: Behaviour = {
  deliveredDelayMs: 20, readDelayMs: 100, readProbability: 1, latencyMs: 0, dropRate: 0, ackDropRate: 0,
  record: "full", eventResendMs: 5000,
};

/** A connection as the network sees it; frames to it are batched by the server. */
export interface Peer {
  ack(id: string): void;
  refuse(id: string, error: ApiError): void;
  event(event: NetworkEvent): void;
  readAck(id: string): void;
}

export interface Session {
  readonly peer: Peer;
  readonly node: string;
  readonly business: Business;
  shard: number | null;
  shards: number | null;
  claimedAt: number;
  open: boolean;
}

interface Business {
  readonly waId: string;
  publicKey: Uint8Array;
  readonly sessions: Set<Session>;
  /** Unconfirmed events in the order they arose. */
  readonly pending: Map<string, PendingEvent>;
}

interface PendingEvent {
  readonly event: NetworkEvent;
  readonly hash: number;
  sentTo: Session | undefined;
  sentAt: number;
}

export interface ReceivedMessage {
  /** Arrival order over the whole network, from 1. */
  readonly n: number;
  readonly id: string;
  readonly business: string;
  readonly to: string;
  /** The decrypted message object (media replaced by its reference). */
  readonly content: unknown;
  /** Size and SHA-256 of the decrypted media, for media messages. */
  readonly media?: { readonly size: number; readonly sha256: string; readonly mime_type: string };
  readonly at: number;
}

export interface ReadReceipt {
  readonly id: string;
  readonly business: string;
  readonly to: string;
  readonly at: number;
}

export type InboundContent =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: MediaType; readonly data: Buffer; readonly mime_type: string; readonly caption?: string; readonly filename?: string };

export interface InboundRequest {
  readonly business?: string;
  readonly from: string;
  readonly name?: string;
  readonly message: InboundContent;
}

export class InboundError extends Error {
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

function newCounters() {
  return {
    /** Messages delivered to a device (first arrival of an id). */
    received: 0,
    /** Repeated ids: acknowledged again, not delivered again. */
    duplicates: 0,
    acked: 0,
    refused: 0,
    dropped: 0,
    ackDropped: 0,
    receipts: 0,
    eventsSent: 0,
    eventsConfirmed: 0,
    inbound: 0,
    reads: 0,
  };
}
export type Counters = ReturnType<typeof newCounters>;

interface DueReceipt {
  readonly business: Business;
  readonly id: string;
  readonly recipient: string;
  readonly status: "delivered" | "read";
}

export class Network {
  behaviour: Behaviour;
  private counters = newCounters();
  private readonly businesses = new Map<string, Business>();
  private readonly seen = new Set<string>();
  private records: ReceivedMessage[] = [];
  private readonly byRecipient = new Map<string, ReceivedMessage[]>();
  private reads: ReadReceipt[] = [];
  private eidCounter = 0;
  private readonly receipts = new DueQueue<DueReceipt>((r) => { this.receiptDue(r); });
  private readonly resendTimer: NodeJS.Timeout;

  constructor(
    private readonly devices: DeviceDirectory,
    private readonly media: SimMediaStore,
    /** The behaviour at start and after reset. */
    private readonly initialBehaviour: Behaviour = defaultBehaviour,
    private readonly random: () => number = Math.random,
  ) {
    this.behaviour = initialBehaviour;
    this.resendTimer = setInterval(() => { this.resendStale(); }, 500);
  }

  /** A hello: the business is known from now on; an unknown key is refused while others use another. */
  connect(peer: Peer, hello: { business: string; publicKey: Uint8Array; node: string; shard: number | null; shards: number | null }): Session | ApiError {
    let business = this.businesses.get(hello.business);
    if (!business) {
      business = { waId: hello.business, publicKey: hello.publicKey, sessions: new Set(), pending: new Map() };
      this.businesses.set(hello.business, business);
    } else if (!Buffer.from(business.publicKey).equals(hello.publicKey)) {
      if (business.sessions.size > 0) return { ...networkErrors.badHello, details: "another connection of this business uses a different identity key" };
      business.publicKey = hello.publicKey;
    }
    const session: Session = { peer, node: hello.node, business, shard: null, shards: null, claimedAt: 0, open: true };
    business.sessions.add(session);
    this.claim(session, hello.shard, hello.shards);
    return session;
  }

  claim(session: Session, shard: number | null, shards: number | null): void {
    session.shard = shard !== null && shards !== null && shard < shards ? shard : null;
    session.shards = session.shard === null ? null : shards;
    session.claimedAt = performance.now();
    this.rerouteAll(session.business);
  }

  disconnect(session: Session): void {
    session.open = false;
    session.business.sessions.delete(session);
    this.rerouteAll(session.business);
  }

  /** A frame of messages from a CoreApp, handled after the configured latency. */
  receive(session: Session, messages: readonly { id: string; to: string; box: string }[]): void {
    const latency = this.behaviour.latencyMs;
    if (latency > 0) setTimeout(() => { this.handle(session, messages); }, latency);
    else this.handle(session, messages);
  }

  confirm(session: Session, eids: readonly string[]): void {
    for (const eid of eids) {
      if (session.business.pending.delete(eid)) this.counters.eventsConfirmed++;
    }
  }

  read(session: Session, receipts: readonly { id: string; to: string }[]): void {
    const at = Date.now();
    for (const r of receipts) {
      this.counters.reads++;
      if (this.behaviour.record === "full") this.reads.push({ id: r.id, business: session.business.waId, to: r.to, at });
      session.peer.readAck(r.id);
    }
  }

  /** A device sends a message to a business; returns the message id. */
  inbound(request: InboundRequest): string {
    const business = this.businessFor(request.business);
    const device = this.devices.device(request.from);
    if (!device) throw new InboundError(`from: ${request.from} is not on WhatsApp`, 400);
    const m = request.message;
    let content: unknown;
    if (m.type === "text") {
      content = { type: "text", text: { body: m.text } };
    } else {
      const { encrypted, key, sha256 } = encryptMedia(m.data);
      const ref = { media_id: this.media.put(encrypted), media_key: key.toString("base64"), sha256, mime_type: m.mime_type };
      content = { type: m.type, [m.type]: { ...ref, ...(m.caption ? { caption: m.caption } : {}), ...(m.filename ? { filename: m.filename } : {}) } };
    }
    const id = `wamid.${randomBytes(18).toString("base64url")}`;
    const box = device.box.seal(JSON.stringify(content), business.publicKey).toString("base64");
    this.counters.inbound++;
    this.emit(business, { eid: this.nextEid(), kind: "message", id, from: request.from, name: request.name ?? `User ${request.from}`, timestamp: unixNow(), box }, request.from);
    return id;
  }

  received(to?: string): readonly ReceivedMessage[] {
    return to === undefined ? this.records : (this.byRecipient.get(to) ?? []);
  }

  readReceipts(): readonly ReadReceipt[] {
    return this.reads;
  }

  stats(): Counters & { eventsPending: number; receiptsScheduled: number; sessions: number } {
    let eventsPending = 0, sessions = 0;
    for (const b of this.businesses.values()) {
      eventsPending += b.pending.size;
      sessions += b.sessions.size;
    }
    return { ...this.counters, eventsPending, receiptsScheduled: this.receipts.size, sessions };
  }

  sessions(): { node: string; business: string; shard: number | null; shards: number | null }[] {
    return [...this.businesses.values()].flatMap((b) => [...b.sessions].map((s) => ({ node: s.node, business: b.waId, shard: s.shard, shards: s.shards })));
  }

  /** Forgets deliveries, receipts, events and counters; connections stay. */
  reset(): void {
    this.counters = newCounters();
    this.seen.clear();
    this.records = [];
    this.byRecipient.clear();
    this.reads = [];
    this.receipts.clear();
    for (const b of this.businesses.values()) b.pending.clear();
    this.behaviour = this.initialBehaviour;
  }

  close(): void {
    clearInterval(this.resendTimer);
    this.receipts.clear();
  }

  private handle(session: Session, messages: readonly { id: string; to: string; box: string }[]): void {
    const { business } = session;
    for (const m of messages) {
      if (this.behaviour.dropRate > 0 && this.random() < this.behaviour.dropRate) {
        this.counters.dropped++;
        continue;
      }
      if (this.seen.has(m.id)) {
        this.counters.duplicates++;
      } else {
        const error = this.deliver(business, m);
        if (error) {
          this.counters.refused++;
          session.peer.refuse(m.id, error);
          continue;
        }
      }
      if (this.behaviour.ackDropRate > 0 && this.random() < this.behaviour.ackDropRate) {
        this.counters.ackDropped++;
        continue;
      }
      this.counters.acked++;
      session.peer.ack(m.id);
    }
  }

  /** Delivers a first-seen message to its device; an error when it cannot. */
  private deliver(business: Business, m: { id: string; to: string; box: string }): ApiError | undefined {
    const device = this.devices.device(m.to);
    if (!device) return { ...networkErrors.notOnWhatsApp, details: `${m.to} is not on WhatsApp` };
    const plain = device.box.open(Buffer.from(m.box, "base64"), business.publicKey);
    if (!plain) return networkErrors.undecryptable;
    let content: unknown;
    try {
      content = JSON.parse(plain.toString("utf8"));
    } catch {
      return networkErrors.undecryptable;
    }
    let media: ReceivedMessage["media"];
    const type = (content as { type?: unknown }).type;
    if (typeof type === "string" && isMediaType(type)) {
      const ref = (content as Record<string, unknown>)[type];
      if (isMediaRef(ref)) {
        const encrypted = this.media.get(ref.media_id);
        try {
          if (!encrypted) throw new Error("missing");
          const data = decryptMedia(encrypted, ref.media_key, ref.sha256);
          media = { size: data.length, sha256: ref.sha256, mime_type: ref.mime_type };
        } catch {
          return networkErrors.badMedia;
        }
      }
    }
    this.seen.add(m.id);
    this.counters.received++;
    if (this.behaviour.record === "full") {
      const record: ReceivedMessage = { n: this.counters.received, id: m.id, business: business.waId, to: m.to, content, ...(media ? { media } : {}), at: Date.now() };
      this.records.push(record);
      let list = this.byRecipient.get(m.to);
      if (!list) this.byRecipient.set(m.to, (list = []));
      list.push(record);
    }
    this.receipts.add(Date.now() + this.behaviour.deliveredDelayMs, { business, id: m.id, recipient: m.to, status: "delivered" });
    return undefined;
  }

  private receiptDue(r: DueReceipt): void {
    this.counters.receipts++;
    this.emit(r.business, { eid: this.nextEid(), kind: "status", id: r.id, recipient: r.recipient, status: r.status, timestamp: unixNow() }, r.recipient);
    if (r.status === "delivered" && this.random() < this.behaviour.readProbability) {
      this.receipts.add(Date.now() + this.behaviour.readDelayMs, { ...r, status: "read" });
    }
  }

  private emit(business: Business, event: NetworkEvent, waId: string): void {
    const pending: PendingEvent = { event, hash: recipientHash(waId), sentTo: undefined, sentAt: 0 };
    business.pending.set(event.eid, pending);
    this.route(business, pending);
  }

  /** Sends an event to the connection serving its recipient, if any; the latest claim wins. */
  private route(business: Business, pending: PendingEvent, force = false): void {
    let owner: Session | undefined;
    for (const s of business.sessions) {
      if (s.shard === null || s.shards === null || pending.hash % s.shards !== s.shard) continue;
      if (!owner || s.claimedAt > owner.claimedAt) owner = s;
    }
    if (!owner || (owner === pending.sentTo && !force)) return;
    pending.sentTo = owner;
    pending.sentAt = Date.now();
    this.counters.eventsSent++;
    owner.peer.event(pending.event);
  }

  private rerouteAll(business: Business): void {
    for (const p of business.pending.values()) {
      if (p.sentTo && !p.sentTo.open) p.sentTo = undefined;
      this.route(business, p);
    }
  }

  private resendStale(): void {
    const before = Date.now() - this.behaviour.eventResendMs;
    for (const b of this.businesses.values()) {
      for (const p of b.pending.values()) {
        if (p.sentAt <= before) this.route(b, p, true);
      }
    }
  }

  private businessFor(waId: string | undefined): Business {
    if (waId !== undefined) {
      const b = this.businesses.get(waId);
      if (!b) throw new InboundError(`business: ${waId} has never connected`, 409);
      return b;
    }
    if (this.businesses.size !== 1) throw new InboundError(this.businesses.size ? "business: required when several businesses have connected" : "business: no business has connected yet", 409);
    return this.businesses.values().next().value as Business;
  }

  private nextEid(): string {
    return String(++this.eidCounter);
  }
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}
