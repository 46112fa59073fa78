// A webhook receiver for tests: a real HTTP server on 127.0.0.1 that checks what a business's
// endpoint would check, and records what arrived.
//
//   const receiver = await startReceiver({ secret: "s3cret" });   // receiver.url → POST target
//   …point a dispatcher at receiver.url with the same secret…
//   await receiver.waitFor((r) => r.events.size === 10);
//   receiver.events.get("status:wamid.X:delivered")              // { kind, format, object, count }
//
// - Every POST must carry a valid X-Hub-Signature-256 of its raw body when a secret is given
//   (otherwise 401, counted in `badSignatures`), and be a well-formed on-prem or Cloud body
//   (otherwise 400, counted in `malformed`).
// - Events are keyed `status:<message id>:<status>` or `message:<id>`; a repeated event counts
//   in its `count` and in `duplicates` (at-least-once delivery: receivers dedupe by id).
// - `respond(mode)` sets the answer to the next POSTs: `{ status, delayMs? }` (events are recorded
//   only when the status is 2xx) or `"hang"` (never answers: the sender times out).
// - `down()` refuses connections (and drops open ones) until `up()`, on the same port.
// - `requests` lists every POST (time, answer, format, event keys), e.g. to measure retry spacing.
// - GET ?hub.mode=subscribe&hub.verify_token=<verifyToken>&hub.challenge=X answers X (Cloud's check).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { signatureHeader, verifySignature } from "../signature.js";

export type Format = "onprem" | "cloud";
export type ResponseMode = { readonly status: number; readonly delayMs?: number } | "hang";

export interface ReceivedEvent {
  readonly key: string;
  readonly kind: "status" | "message";
  readonly format: Format;
  /** The status or message object as received. */
  readonly object: Record<string, unknown>;
  /** For messages: the contact of the sender from the same POST. */
  readonly contact?: Record<string, unknown>;
  count: number;
}

export interface ReceivedRequest {
  /** Arrival time (ms since the epoch). */
  readonly at: number;
  /** The status answered; undefined while hanging or when dropped. */
  answered?: number;
  readonly format?: Format;
  readonly keys: readonly string[];
  /** The parsed body, when well-formed. */
  readonly body?: unknown;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly events: ReadonlyMap<string, ReceivedEvent>;
  readonly requests: readonly ReceivedRequest[];
  readonly duplicates: number;
  readonly badSignatures: number;
  readonly malformed: number;
  respond(mode: ResponseMode): void;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Resolves when `condition` holds; rejects after `timeoutMs` naming `what`. */
  waitFor(condition: (r: WebhookReceiver) => boolean, timeoutMs?: number, what?: string): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  readonly secret?: string;
  readonly verifyToken?: string;
  readonly path?: string;
  /**
   * Keep only event keys, counts and arrival times, not bodies and objects: a benchmark's
   * receiver otherwise holds every event it was sent (~450 MB after 300,000 messages), and the
   * garbage collector's work on it grows through the run, on the CPUs being measured.
   */
  readonly keysOnly?: boolean;
}

/** What keysOnly keeps of an event's object. */
const notKept: Record<string, unknown> = Object.freeze({});

export async function startReceiver(options: ReceiverOptions = {}): Promise<WebhookReceiver> {
  const path = options.path ?? "/webhook";
  const events = new Map<string, ReceivedEvent>();
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: ResponseMode = { status: 200 };
  let counts = { duplicates: 0, badSignatures: 0, malformed: 0 };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://receiver");
    if (req.method === "GET") {
      answerSubscription(url, options.verifyToken, res);
      return;
    }
    if (req.method !== "POST" || url.pathname !== path) return void res.writeHead(404).end();
    const at = Date.now();
    const raw = await readBody(req);
    if (options.secret !== undefined && !verifySignature(raw, req.headers[signatureHeader], options.secret)) {
      counts.badSignatures++;
      requests.push({ at, keys: [], answered: 401 });
      return void res.writeHead(401).end();
    }
    const parsed = parseBody(raw);
    if (!parsed) {
      counts.malformed++;
      requests.push({ at, keys: [], answered: 400 });
      return void res.writeHead(400).end();
    }
    const request: ReceivedRequest = { at, format: parsed.format, keys: parsed.events.map((e) => e.key), ...(options.keysOnly ? {} : { body: parsed.body }) };
    requests.push(request);
    const current = mode;
    if (current === "hang") return;
    if (current.delayMs) await new Promise((resolve) => setTimeout(resolve, current.delayMs));
    if (current.status >= 200 && current.status < 300) {
      for (const event of parsed.events) {
        const seen = events.get(event.key);
        if (seen) {
          seen.count++;
          counts.duplicates++;
        } else events.set(event.key, options.keysOnly ? { key: event.key, kind: event.kind, format: event.format, object: notKept, count: 1 } : event);
      }
    }
    request.answered = current.status;
    res.writeHead(current.status, { "content-type": "text/plain" }).end(current.status < 300 ? "ok" : "failing on purpose");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const listen = (port: number) => new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => { server.off("error", reject); resolve(); });
  });
  const down = async () => {
    if (!server.listening) return;
    const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  await listen(0);
  const port = (server.address() as AddressInfo).port;

  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}${path}`,
    port,
    events,
    requests,
    get duplicates() { return counts.duplicates; },
    get badSignatures() { return counts.badSignatures; },
    get malformed() { return counts.malformed; },
    respond(next) { mode = next; },
    down,
    async up() { if (!server.listening) await listen(port); },
    async waitFor(condition, timeoutMs = 30_000, what = "the receiver's condition") {
      const deadline = Date.now() + timeoutMs;
      while (!condition(receiver)) {
        if (Date.now() > deadline) {
          throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${events.size} events, ${requests.length} requests)`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async close() {
      await down();
      counts = { duplicates: 0, badSignatures: 0, malformed: 0 };
    },
  };
  return receiver;
}

function answerSubscription(url: URL, verifyToken: string | undefined, res: ServerResponse): void {
  const q = url.searchParams;
  const ok = verifyToken !== undefined && q.get("hub.mode") === "subscribe" && q.get("hub.verify_token") === verifyToken;
  if (ok) res.writeHead(200, { "content-type": "text/plain" }).end(q.get("hub.challenge") ?? "");
  else res.writeHead(403).end();
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const objects = (v: unknown): Obj[] | undefined => (Array.isArray(v) && v.every(isObj) ? v : undefined);

/** The events of an on-prem or Cloud body; undefined when it is neither. */
export function parseBody(raw: Buffer): { format: Format; events: ReceivedEvent[]; body: unknown } | undefined {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return undefined;
  }
  if (!isObj(body)) return undefined;
  if (body.object === undefined) {
    const events = eventsOf(body, "onprem");
    return events && { format: "onprem", events, body };
  }
  const entry = objects(body.entry);
  const change = objects(entry?.[0]?.changes)?.[0];
  const value = change?.value;
  const wellFormed = body.object === "whatsapp_business_account" && entry?.length === 1 && typeof entry[0]?.id === "string"
    && change?.field === "messages" && isObj(value) && value.messaging_product === "whatsapp" && isObj(value.metadata)
    && typeof value.metadata.phone_number_id === "string" && typeof value.metadata.display_phone_number === "string";
  if (!wellFormed) return undefined;
  const { messaging_product: _p, metadata: _m, ...arrays } = value;
  const events = eventsOf(arrays, "cloud");
  return events && { format: "cloud", events, body };
}

function eventsOf(body: Obj, format: Format): ReceivedEvent[] | undefined {
  const keys = Object.keys(body).sort().join();
  if (keys === "statuses") {
    const statuses = objects(body.statuses);
    if (!statuses?.length || !statuses.every((s) => typeof s.id === "string" && typeof s.status === "string")) return undefined;
    return statuses.map((s) => ({ key: `status:${s.id as string}:${s.status as string}`, kind: "status", format, object: s, count: 1 }));
  }
  if (keys === "contacts,messages") {
    const contacts = objects(body.contacts);
    const messages = objects(body.messages);
    if (!contacts || !messages?.length || !messages.every((m) => typeof m.id === "string" && typeof m.from === "string")) return undefined;
    return messages.map((m) => {
      const contact = contacts.find((c) => c.wa_id === m.from);
      return { key: `message:${m.id as string}`, kind: "message", format, object: m, ...(contact ? { contact } : {}), count: 1 };
    });
  }
  return undefined;
}
