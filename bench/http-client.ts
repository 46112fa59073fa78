// The load generator's HTTP client: keep-alive HTTP/1.1 over plain sockets, one request at a time on
// each of a fixed number of connections, further requests waiting in order for a free one.
// Why not undici, as everywhere else: the load generator shares the two cores with the instance it
// measures. At 1000 requests/s on this VM (`make bench-load-client`, the load's own timer and
// bookkeeping included) it cost 229–256 µs of the load generator's CPU per request with undici's
// Pool.request and 160–175 with this client; in 300-s `make bench` runs the load generator went
// from 0.24 to 0.15 ms of CPU a message (bench/FINDINGS.md). It is that cheap because it does only
// what the benchmark needs: POST a string, read an answer framed by content-length. Anything else
// (chunked answers, TLS) fails the request with a code saying so.
import { connect, type Socket } from "node:net";

export interface Answer {
  readonly status: number;
  readonly body: string;
}

/** A failed request; `code` is what the load generator counts it under. */
export class RequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

interface Pending {
  readonly head: string;
  readonly body: string;
  readonly resolve: (answer: Answer) => void;
  readonly reject: (err: RequestError) => void;
}

export interface KeepAliveClientOptions {
  /** http://host:port */
  readonly origin: string;
  readonly connections: number;
  /** From when a request is written until its whole answer has arrived. */
  readonly timeoutMs: number;
  /** Sent with every request, e.g. authorization. */
  readonly headers: Readonly<Record<string, string>>;
}

export class KeepAliveClient {
  private readonly open = new Set<Connection>();
  private readonly idle: Connection[] = [];
  private readonly waiting: Pending[] = [];
  private readonly host: string;
  private readonly port: number;
  private readonly fixedHeaders: string;
  private closed = false;

  constructor(private readonly o: KeepAliveClientOptions) {
    const url = new URL(o.origin);
    if (url.protocol !== "http:") throw new Error(`the load generator speaks plain HTTP only, not ${url.protocol} (${o.origin})`);
    this.host = url.hostname.replace(/^\[|\]$/g, "");
    this.port = Number(url.port || 80);
    this.fixedHeaders = `host: ${url.host}\r\n` + Object.entries(o.headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  }

  post(path: string, body: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      if (this.closed) { reject(new RequestError("closed", "the client is closed")); return; }
      const head = `POST ${path} HTTP/1.1\r\n${this.fixedHeaders}content-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      this.waiting.push({ head, body, resolve, reject });
      this.dispatch();
    });
  }

  /** Closes every connection; requests still waiting or on the wire fail with code "closed". */
  close(): void {
    this.closed = true;
    for (const p of this.waiting.splice(0)) p.reject(new RequestError("closed", "the client is closed"));
    for (const c of this.open) c.destroy();
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let c = this.idle.pop();
      if (!c) {
        if (this.open.size >= this.o.connections) return;
        c = this.connect();
      }
      c.send(this.waiting.shift() as Pending);
    }
  }

  private connect(): Connection {
    const c = new Connection(this.host, this.port, this.o.timeoutMs, (reusable) => {
      if (reusable) this.idle.push(c);
      else {
        this.open.delete(c);
        const at = this.idle.indexOf(c);
        if (at >= 0) this.idle.splice(at, 1);
      }
      this.dispatch();
    });
    this.open.add(c);
    return c;
  }
}

/** One socket carrying one request at a time; calls `done` when it is free again or gone. */
class Connection {
  private readonly socket: Socket;
  private current: Pending | undefined;
  private timer: NodeJS.Timeout | undefined;
  private received: Buffer = Buffer.alloc(0);
  private gone = false;

  constructor(host: string, port: number, private readonly timeoutMs: number, private readonly done: (reusable: boolean) => void) {
    this.socket = connect({ host, port, noDelay: true });
    this.socket.on("data", (chunk: Buffer) => { this.onData(chunk); });
    this.socket.on("error", (err: NodeJS.ErrnoException) => { this.fail(err.code ?? "error", err.message); });
    this.socket.on("close", () => { this.fail("closed", "the server closed the connection"); });
  }

  send(p: Pending): void {
    this.current = p;
    this.timer = setTimeout(() => { this.fail("timeout", `no whole answer within ${this.timeoutMs} ms`); }, this.timeoutMs);
    this.socket.write(p.head + p.body);
  }

  destroy(): void {
    this.fail("closed", "the client is closed");
  }

  private onData(chunk: Buffer): void {
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    if (!this.current) {
      this.fail("protocol", "bytes from the server with no request outstanding");
      return;
    }
    let parsed: ParsedAnswer | undefined;
    try {
      parsed = parseAnswer(this.received);
    } catch (err) {
      this.fail("protocol", (err as Error).message);
      return;
    }
    if (!parsed) return;
    if (parsed.length < this.received.length) {
      this.fail("protocol", "more bytes than the answer's content-length");
      return;
    }
    const p = this.current;
    clearTimeout(this.timer);
    this.current = undefined;
    this.received = Buffer.alloc(0);
    if (parsed.close) this.retire();
    p.resolve({ status: parsed.status, body: parsed.body });
    if (!parsed.close) this.done(true);
  }

  private fail(code: string, message: string): void {
    const p = this.current;
    clearTimeout(this.timer);
    this.current = undefined;
    this.retire();
    p?.reject(new RequestError(code, message));
  }

  private retire(): void {
    if (this.gone) return;
    this.gone = true;
    this.socket.destroy();
    this.done(false);
  }
}

export interface ParsedAnswer {
  readonly status: number;
  readonly body: string;
  /** Bytes the answer took, head and body. */
  readonly length: number;
  /** The server said it closes the connection after this answer. */
  readonly close: boolean;
}

/** The HTTP/1.x answer at the start of `bytes`, undefined while incomplete; throws why it cannot be read. */
export function parseAnswer(bytes: Buffer): ParsedAnswer | undefined {
  const headEnd = bytes.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine = "", ...fields] = bytes.toString("latin1", 0, headEnd).split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!status) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(statusLine.slice(0, 40))}`);
  let contentLength: number | undefined;
  let close = statusLine.startsWith("HTTP/1.0");
  for (const field of fields) {
    const colon = field.indexOf(":");
    const name = field.slice(0, colon).trim().toLowerCase();
    const value = field.slice(colon + 1).trim();
    if (name === "content-length") contentLength = Number(value);
    else if (name === "transfer-encoding") throw new Error(`transfer-encoding ${value} is not supported (answers must have a content-length)`);
    else if (name === "connection") close = value.toLowerCase() === "close";
  }
  if (contentLength === undefined || !Number.isSafeInteger(contentLength) || contentLength < 0) throw new Error("an answer without a valid content-length");
  const length = headEnd + 4 + contentLength;
  if (bytes.length < length) return undefined;
  return { status: Number(status[1]), body: bytes.toString("utf8", headEnd + 4, length), length, close };
}
