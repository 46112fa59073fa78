import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createTcpServer, type Server, type Socket } from "node:net";
import { KeepAliveClient, parseAnswer, RequestError } from "./http-client.js";

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
};

const httpServer = (handle: (req: IncomingMessage, body: string, res: ServerResponse) => void) =>
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => { handle(req, Buffer.concat(chunks).toString("utf8"), res); });
  });

const failure = (promise: Promise<unknown>) =>
  promise.then(() => { throw new Error("expected the request to fail"); }, (err: unknown) => err as RequestError);

describe("the load generator's HTTP client", () => {
  const servers: Server[] = [];
  const clients: KeepAliveClient[] = [];
  const start = async (server: Server, connections = 4, timeoutMs = 5000) => {
    servers.push(server);
    const client = new KeepAliveClient({ origin: await listen(server), connections, timeoutMs, headers: { authorization: "Bearer t", "content-type": "application/json" } });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const s of servers.splice(0)) {
      (s as Server & { closeAllConnections?: () => void }).closeAllConnections?.();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  it("gives each of many concurrent requests its own answer, over no more connections than asked", async () => {
    let connections = 0;
    const server = httpServer((req, body, res) => {
      const answer = JSON.stringify({ echo: body, auth: req.headers.authorization, type: req.headers["content-type"] });
      res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) }).end(answer);
    });
    server.on("connection", () => connections++);
    const client = await start(server, 4);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => client.post("/v1/messages", `message ${i} é`)));
    answers.forEach((a, i) => {
      expect(a.status).toBe(201);
      expect(JSON.parse(a.body)).toEqual({ echo: `message ${i} é`, auth: "Bearer t", type: "application/json" });
    });
    expect(connections).toBeLessThanOrEqual(4);
    expect(connections).toBeGreaterThan(0);
  });

  it("reads an answer that arrives one byte at a time, multi-byte UTF-8 included", async () => {
    const body = Buffer.from(JSON.stringify({ text: "naïve café ✓" }));
    const answer = Buffer.concat([Buffer.from(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${body.length}\r\n\r\n`), body]);
    const server = createTcpServer((socket) => {
      socket.setNoDelay(true);
      socket.once("data", () => {
        void (async () => {
          for (const byte of answer) await new Promise<void>((resolve) => socket.write(Buffer.of(byte), () => { resolve(); }));
        })();
      });
    });
    const client = await start(server);
    await expect(client.post("/", "{}")).resolves.toEqual({ status: 400, body: body.toString("utf8") });
  });

  it("fails the request on a connection the server drops, and opens a new one for the next", async () => {
    let connections = 0;
    const server = createTcpServer((socket: Socket) => {
      const first = ++connections === 1;
      socket.on("data", () => {
        if (first) socket.destroy();
        else socket.write("HTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok");
      });
    });
    const client = await start(server, 1);
    expect((await failure(client.post("/", "a"))).code).toMatch(/^(closed|ECONNRESET)$/);
    await expect(client.post("/", "b")).resolves.toEqual({ status: 201, body: "ok" });
    expect(connections).toBe(2);
  });

  it("opens a new connection after an answer saying connection: close", async () => {
    let connections = 0;
    const server = httpServer((_req, _body, res) => { res.writeHead(200, { connection: "close", "content-length": 4 }).end("done"); });
    server.on("connection", () => connections++);
    const client = await start(server, 1);
    for (let i = 0; i < 3; i++) await expect(client.post("/", "x")).resolves.toEqual({ status: 200, body: "done" });
    expect(connections).toBe(3);
  });

  it("fails a request whose answer does not come within the timeout with code timeout", async () => {
    const server = httpServer(() => undefined); // never answers
    const client = await start(server, 1, 100);
    const err = await failure(client.post("/", "x"));
    expect(err.code).toBe("timeout");
    expect(err.message).toContain("100 ms");
  });

  it("refuses a chunked answer, saying the answer needs a content-length", async () => {
    const server = httpServer((_req, _body, res) => { res.writeHead(200); res.write("part"); res.end("rest"); });
    const client = await start(server, 1);
    const err = await failure(client.post("/", "x"));
    expect(err.code).toBe("protocol");
    expect(err.message).toContain("content-length");
  });

  it("fails requests still waiting when closed", async () => {
    const server = httpServer(() => undefined);
    const client = await start(server, 1);
    const onWire = failure(client.post("/", "1"));
    const waiting = failure(client.post("/", "2"));
    client.close();
    expect((await onWire).code).toBe("closed");
    expect((await waiting).code).toBe("closed");
  });

  it("refuses an https origin instead of sending plain text to it", () => {
    expect(() => new KeepAliveClient({ origin: "https://127.0.0.1:1", connections: 1, timeoutMs: 1, headers: {} })).toThrow("plain HTTP only");
  });
});

describe("parsing an answer", () => {
  it("waits for the whole body", () => {
    expect(parseAnswer(Buffer.from("HTTP/1.1 201 Created\r\ncontent-length: 5\r\n\r\nabc"))).toBeUndefined();
    expect(parseAnswer(Buffer.from("HTTP/1.1 201 Created\r\ncontent-len"))).toBeUndefined();
  });

  it("reads status, body, length and connection: close", () => {
    expect(parseAnswer(Buffer.from("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 2\r\n\r\nnoNEXT")))
      .toEqual({ status: 503, body: "no", length: 76, close: true });
  });

  it("says why it cannot read a garbled status line or a missing content-length", () => {
    expect(() => parseAnswer(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow("status line");
    expect(() => parseAnswer(Buffer.from("HTTP/1.1 204 No Content\r\n\r\n"))).toThrow("content-length");
  });
});
