// The CoreApp's one WebSocket to the network. Says hello (business, identity key, node, shard),
// reconnects with jittered exponential backoff, pings to notice half-open connections, and hands
// every valid frame from the network to its handlers. It never buffers outgoing frames: while
// not connected `send` returns false and the owner resends its unacknowledged work on `onOpen`.
import WebSocket from "ws";
import type { Logger } from "../observability/logger.js";
import { parseFrame, protocolVersion, serverFrame, type ApiError, type ClientFrame, type NetworkEvent } from "./protocol.js";
import type { ShardCount } from "../sharding/hash.js";
import { gatewayUrls } from "./urls.js";

export type GatewayStatus = "connected" | "connecting" | "disconnected";

export interface GatewayHandlers {
  /** A connection is ready (after the network's welcome): resend what is unacknowledged. */
  onOpen(): void;
  onAck(ids: readonly string[]): void;
  onRefused(messages: readonly { id: string; error: ApiError }[]): void;
  onEvents(events: readonly NetworkEvent[]): void;
  onReadAck(ids: readonly string[]): void;
  onStatus?(status: GatewayStatus): void;
}

export interface GatewayOptions {
  readonly url: string;
  /** The business number as a wa_id (digits). */
  readonly business: string;
  readonly publicKey: Uint8Array;
  readonly node: string;
  readonly handlers: GatewayHandlers;
  readonly logger: Logger;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Ping period; a connection without a pong for two periods is dropped. */
  readonly pingMs?: number;
}

export class GatewayConnection {
  private ws: WebSocket | undefined;
  private current: GatewayStatus = "disconnected";
  private claimed: { shard: number | null; shards: ShardCount | null } = { shard: null, shards: null };
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(private readonly options: GatewayOptions) {}

  get status(): GatewayStatus {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** The shard this node serves now (null: a spare); told to the network at once if connected. */
  claim(shard: number | null, shards: ShardCount | null): void {
    this.claimed = { shard, shards };
    if (this.current === "connected") this.send({ type: "claim", shard, shards });
  }

  /** Sends a frame if connected; false when it could not be sent. */
  send(frame: ClientFrame): boolean {
    if (this.current !== "connected" || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the current connection (it reconnects unless stopped). */
  drop(): void {
    this.ws?.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const ws = this.ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => { resolve(); });
        ws.close(1000, "stopping");
        setTimeout(() => { ws.terminate(); }, 1000).unref();
      });
    }
    this.setStatus("disconnected");
  }

  private connect(): void {
    if (this.stopped) return;
    this.setStatus("connecting");
    const ws = new WebSocket(gatewayUrls(this.options.url).connect, { perMessageDeflate: false, handshakeTimeout: 10_000, maxPayload: 64 * 1024 * 1024 });
    this.ws = ws;
    let alive = true;
    ws.on("open", () => {
      ws.send(JSON.stringify({
        type: "hello", version: protocolVersion, business: this.options.business,
        public_key: Buffer.from(this.options.publicKey).toString("base64"), node: this.options.node, ...this.claimed,
      } satisfies ClientFrame));
    });
    ws.on("pong", () => { alive = true; });
    ws.on("message", (data, isBinary) => {
      alive = true;
      const frame = isBinary ? undefined : parseFrame(serverFrame, (data as Buffer).toString("utf8"));
      if (!frame) {
        this.options.logger.warn("gateway sent an invalid frame; reconnecting");
        ws.terminate();
        return;
      }
      const h = this.options.handlers;
      switch (frame.type) {
        case "welcome":
          this.attempt = 0;
          this.setStatus("connected");
          // The claim may have changed between hello and welcome.
          ws.send(JSON.stringify({ type: "claim", ...this.claimed } satisfies ClientFrame));
          h.onOpen();
          break;
        case "error":
          this.options.logger.warn({ code: frame.error.code, title: frame.error.title, details: frame.error.details }, "gateway refused the connection");
          break;
        case "ack": h.onAck(frame.ids); break;
        case "refused": h.onRefused(frame.messages); break;
        case "events": h.onEvents(frame.events); break;
        case "read_ack": h.onReadAck(frame.ids); break;
      }
    });
    ws.on("error", (err) => {
      this.options.logger.debug({ err: err.message }, "gateway connection error");
    });
    ws.on("close", () => {
      clearInterval(this.pingTimer);
      if (this.ws === ws) this.ws = undefined;
      if (this.stopped) return;
      this.setStatus("connecting");
      const min = this.options.minBackoffMs ?? 100;
      const max = this.options.maxBackoffMs ?? 5000;
      const delay = Math.min(max, min * 2 ** this.attempt) * (0.5 + Math.random() / 2);
      this.attempt++;
      this.retryTimer = setTimeout(() => { this.connect(); }, delay);
    });
    const pingMs = this.options.pingMs ?? 10_000;
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!alive) {
        this.options.logger.warn("gateway connection silent; reconnecting");
        ws.terminate();
        return;
      }
      alive = false;
      if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, pingMs);
  }

  private setStatus(status: GatewayStatus): void {
    if (status === this.current) return;
    this.current = status;
    this.options.handlers.onStatus?.(status);
  }
}
