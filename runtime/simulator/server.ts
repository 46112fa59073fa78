// The simulator's sockets and HTTP: the WebSocket at /v1/connect, the key directory
// (GET /v1/keys/{wa_id}; POST /v1/keys for many numbers at once), the media store
// (POST /v1/media, GET /v1/media/{id}), the control API (/control/…) and the ops paths, all on
// one port. Frames to a connection are batched per turn of the event loop.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Registry } from "prom-client";
import { WebSocket, WebSocketServer } from "ws";
import { maxKeysPerQuery } from "../gateway/key-directory.js";
import { clientFrame, networkErrors, parseFrame, type ApiError, type ClientFrame, type NetworkEvent, type ServerFrame } from "../gateway/protocol.js";
import type { Logger } from "../observability/logger.js";
import { opsHandler } from "../observability/ops-server.js";
import { controlHandler, type Faults } from "./control.js";
import type { Device, DeviceDirectory } from "./devices.js";
import { HttpError, readBody, readJson, sendJson } from "./http.js";
import { InboundError, type Network, type Peer, type Session } from "./network.js";
import type { SimMediaStore } from "./media-store.js";

const maxMediaBytes = 100 * 1024 * 1024;

/** A connection's outgoing frames, gathered during one turn and sent together. */
class SocketPeer implements Peer {
  private acks: string[] = [];
  private refused: { id: string; error: ApiError }[] = [];
  private events: NetworkEvent[] = [];
  private readAcks: string[] = [];
  private scheduled = false;

  constructor(private readonly ws: WebSocket) {}

  ack(id: string): void { this.acks.push(id); this.schedule(); }
  refuse(id: string, error: ApiError): void { this.refused.push({ id, error }); this.schedule(); }
  event(event: NetworkEvent): void { this.events.push(event); this.schedule(); }
  readAck(id: string): void { this.readAcks.push(id); this.schedule(); }

  send(frame: ServerFrame): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => { this.flush(); });
  }

  private flush(): void {
    this.scheduled = false;
    if (this.acks.length) this.send({ type: "ack", ids: this.acks });
    if (this.refused.length) this.send({ type: "refused", messages: this.refused });
    if (this.events.length) this.send({ type: "events", events: this.events });
    if (this.readAcks.length) this.send({ type: "read_ack", ids: this.readAcks });
    this.acks = [];
    this.refused = [];
    this.events = [];
    this.readAcks = [];
  }
}

export interface SimulatorServer {
  readonly port: number;
  /** ws://127.0.0.1:PORT, the value of WABA_GATEWAY_URL for CoreApps. */
  readonly gatewayUrl: string;
  /** http://127.0.0.1:PORT, for the control client. */
  readonly httpUrl: string;
  close(): Promise<void>;
}

export async function startSimulatorServer(deps: {
  port: number; host: string; network: Network; devices: DeviceDirectory; media: SimMediaStore; registry: Registry; logger: Logger;
}): Promise<SimulatorServer> {
  const { network, devices, media, logger } = deps;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  let refuseUntil = 0;
  let disconnectTimer: NodeJS.Timeout | undefined;

  const faults: Faults = {
    disconnectAll() {
      let n = 0;
      for (const ws of wss.clients) { ws.terminate(); n++; }
      if (n) logger.info({ closed: n }, "fault: connections closed");
      return n;
    },
    disconnectEvery(ms) {
      if (disconnectTimer) clearInterval(disconnectTimer);
      disconnectTimer = ms > 0 ? setInterval(() => { faults.disconnectAll(); }, ms) : undefined;
    },
    refuseConnections(ms) {
      refuseUntil = Date.now() + ms;
    },
    reset() {
      faults.disconnectEvery(0);
      refuseUntil = 0;
    },
  };
  const control = controlHandler(network, devices, faults);
  const ops = opsHandler(deps.registry, () => true);

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://simulator");
    if (url.pathname.startsWith("/control/")) {
      const answer = await control(req, url);
      if (answer.body === undefined) res.writeHead(answer.status).end();
      else sendJson(res, answer.status, answer.body);
      return;
    }
    if (req.method === "POST" && url.pathname === "/v1/keys") {
      // Numbers not on WhatsApp are left out of the answer.
      const keys = keyQuery(await readJson(req, 1024 * 1024)).map((waId) => devices.device(waId)).filter((d) => d !== undefined).map(keyOf);
      sendJson(res, 200, { keys });
      return;
    }
    const key = /^\/v1\/keys\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && key?.[1]) {
      const device = devices.device(decodeURIComponent(key[1]));
      if (!device) sendJson(res, 404, { error: "not on WhatsApp" });
      else sendJson(res, 200, keyOf(device));
      return;
    }
    if (req.method === "POST" && url.pathname === "/v1/media") {
      const body = await readBody(req, maxMediaBytes);
      if (body.length === 0) throw new HttpError(400, "body: empty");
      sendJson(res, 201, { id: media.put(body) });
      return;
    }
    const mediaMatch = /^\/v1\/media\/([0-9a-f]{1,64})$/.exec(url.pathname);
    if (req.method === "GET" && mediaMatch?.[1]) {
      const blob = media.get(mediaMatch[1]);
      if (!blob) sendJson(res, 404, { error: "no such media" });
      else res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length }).end(blob);
      return;
    }
    if (await ops(req, res)) return;
    throw new HttpError(404, `no route ${req.method ?? ""} ${url.pathname}`);
  }

  const server: Server = createServer((req, res) => {
    handleHttp(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError || err instanceof InboundError ? err.status : 500;
      if (status === 500) logger.error({ err }, "simulator request failed");
      if (!res.headersSent) sendJson(res, status, { error: status === 500 ? "internal error" : (err as Error).message });
      else res.destroy();
    });
  });

  server.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const path = (req.url ?? "").split("?")[0];
    if (path !== "/v1/connect") {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    if (Date.now() < refuseUntil) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => { accept(ws); });
  });

  function accept(ws: WebSocket): void {
    const peer = new SocketPeer(ws);
    let session: Session | undefined;
    const refuse = (error: ApiError) => {
      peer.send({ type: "error", error });
      ws.close(1008, error.title);
    };
    const onFrame = (frame: ClientFrame): void => {
      if (!session) {
        if (frame.type !== "hello") {
          refuse({ ...networkErrors.badHello, details: "the first frame must be hello" });
          return;
        }
        const publicKey = Buffer.from(frame.public_key, "base64");
        const result = publicKey.length === 32
          ? network.connect(peer, { business: frame.business, publicKey: new Uint8Array(publicKey), node: frame.node, shard: frame.shard, shards: frame.shards })
          : { ...networkErrors.badHello, details: "public_key must be 32 bytes" };
        if ("code" in result) {
          refuse(result);
          return;
        }
        session = result;
        peer.send({ type: "welcome" });
        logger.debug({ node: frame.node, shard: frame.shard, shards: frame.shards }, "coreapp connected");
        return;
      }
      switch (frame.type) {
        case "hello": refuse({ ...networkErrors.badHello, details: "hello was already said" }); break;
        case "claim": network.claim(session, frame.shard, frame.shards); break;
        case "send": network.receive(session, frame.messages); break;
        case "confirm": network.confirm(session, frame.eids); break;
        case "read": network.read(session, frame.receipts); break;
      }
    };
    ws.on("message", (data, isBinary) => {
      const frame = isBinary ? undefined : parseFrame(clientFrame, (data as Buffer).toString("utf8"));
      if (frame) onFrame(frame);
      else refuse({ ...networkErrors.badHello, details: "invalid frame" });
    });
    ws.on("close", () => { if (session) network.disconnect(session); });
    ws.on("error", () => { ws.terminate(); });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(deps.port, deps.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    gatewayUrl: `ws://127.0.0.1:${port}`,
    httpUrl: `http://127.0.0.1:${port}`,
    async close() {
      faults.reset();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    },
  };
}

const keyOf = (device: Device) => ({ wa_id: device.waId, public_key: Buffer.from(device.keys.publicKey).toString("base64") });

/** The numbers of a POST /v1/keys body: {"wa_ids": [1 to maxKeysPerQuery strings]}. */
function keyQuery(body: unknown): string[] {
  const ids = (body as { wa_ids?: unknown } | null)?.wa_ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > maxKeysPerQuery || !ids.every((id) => typeof id === "string")) {
    throw new HttpError(400, `wa_ids: an array of 1 to ${maxKeysPerQuery} strings`);
  }
  return ids;
}
