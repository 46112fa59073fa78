// A bare HTTP server that answers every request as POST /v1/messages does (201 and a message id),
// for load-client-cost.ts: in a process of its own, so that only the client's CPU is measured.
// Sends its port over IPC; exits when its parent goes.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

let answered = 0;
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = JSON.stringify({ messages: [{ id: `wamid.bench${++answered}` }] });
    res.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, "127.0.0.1", () => { process.send?.((server.address() as AddressInfo).port); });
process.on("disconnect", () => { process.exit(0); });
