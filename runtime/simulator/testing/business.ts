// A minimal business side of the gateway protocol for tests of the simulator: one connection,
// the device keys from the key directory, and everything the network sends kept in arrays.
import { pino } from "pino";
import { BoxKeys, boxKeyPair, type KeyPair } from "../../gateway/box.js";
import { GatewayConnection } from "../../gateway/connection.js";
import { KeyDirectory } from "../../gateway/key-directory.js";
import type { ApiError, NetworkEvent } from "../../gateway/protocol.js";
import type { ShardCount } from "../../sharding/hash.js";
import { until } from "./until.js";

/** One identity for every test business that brings none: the network refuses a second key for a connected number. */
let defaultKeys: KeyPair | undefined;

export class TestBusiness {
  readonly acks: string[] = [];
  readonly refused: { id: string; error: ApiError }[] = [];
  readonly events: NetworkEvent[] = [];
  readonly readAcks: string[] = [];
  readonly box: BoxKeys;
  readonly directory: KeyDirectory;
  readonly connection: GatewayConnection;
  opens = 0;

  constructor(gatewayUrl: string, readonly options: { business?: string; node?: string; shard?: number | null; shards?: ShardCount | null; keys?: KeyPair } = {}) {
    const keys = options.keys ?? (defaultKeys ??= boxKeyPair());
    this.box = new BoxKeys(keys.secretKey);
    this.directory = new KeyDirectory(gatewayUrl, { ttlMs: 0 });
    this.connection = new GatewayConnection({
      url: gatewayUrl, business: options.business ?? "15550001111", publicKey: keys.publicKey, node: options.node ?? "test-node",
      logger: pino({ level: "silent" }), minBackoffMs: 20, maxBackoffMs: 200,
      handlers: {
        onOpen: () => { this.opens++; },
        onAck: (ids) => { this.acks.push(...ids); },
        onRefused: (m) => { this.refused.push(...m); },
        onEvents: (e) => { this.events.push(...e); },
        onReadAck: (ids) => { this.readAcks.push(...ids); },
      },
    });
    this.connection.claim(options.shard ?? 0, options.shards === undefined ? 1 : options.shards);
  }

  async start(): Promise<this> {
    this.connection.start();
    await until("the gateway connection", () => this.connection.status === "connected");
    return this;
  }

  /** Encrypts `content` for the device of `to` (as the directory knows it) and sends it. */
  async send(id: string, to: string, content: unknown): Promise<void> {
    const device = await this.directory.lookup(to);
    if (!device) throw new Error(`${to} is not on WhatsApp`);
    const box = this.box.seal(JSON.stringify(content), device.publicKey).toString("base64");
    if (!this.connection.send({ type: "send", messages: [{ id, to, box }] })) throw new Error("not connected");
  }

  confirm(eids: string[]): void {
    this.connection.send({ type: "confirm", eids });
  }

  /** Opens an inbound message's box with the sender's device key. */
  async open(event: NetworkEvent & { kind: "message" }): Promise<unknown> {
    const device = await this.directory.lookup(event.from);
    if (!device) throw new Error(`${event.from} is not on WhatsApp`);
    const plain = this.box.open(Buffer.from(event.box, "base64"), device.publicKey);
    return plain ? JSON.parse(plain.toString("utf8")) : undefined;
  }

  async stop(): Promise<void> {
    await this.connection.stop();
    await this.directory.close();
  }
}
