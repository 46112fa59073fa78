// The webhook receiver of the kind cluster (make kind-up): a business's endpoint in miniature.
// POST /webhook with a valid X-Hub-Signature-256 (HMAC-SHA256 of the raw body with
// RECEIVER_SECRET) records the statuses and messages of an on-prem or Cloud body; a bad
// signature answers 401 and is counted. GET /events lists what arrived, for `make kind-e2e`.
// Plain Node.js without dependencies: it runs in the runtime image from a ConfigMap.
import { createHmac, timingSafeEqual } from "node:crypto";
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import process from "node:process";

const secret = process.env.RECEIVER_SECRET ?? "";
const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? "0.0.0.0";
const maxEvents = 10_000;
const maxBody = 1 << 20;
const state = { events: [], badSignatures: 0, malformed: 0 };

function signed(body, header) {
  if (typeof header !== "string" || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header.slice(7), "hex"));
}

/** The statuses and messages of an on-prem ({statuses} / {messages}) or Cloud (entry[].changes[].value) body. */
function eventsOf(body) {
  const values = Array.isArray(body.entry) ? body.entry.flatMap((e) => (e.changes ?? []).map((c) => c.value ?? {})) : [body];
  return values.flatMap((v) => [
    ...(v.statuses ?? []).map((s) => ({ kind: "status", id: s.id, status: s.status, recipient: s.recipient_id })),
    ...(v.messages ?? []).map((m) => ({ kind: "message", id: m.id, from: m.from, type: m.type })),
  ]);
}

function send(res, status, body) {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && path === "/healthz") return send(res, 200, { ok: true });
  if (req.method === "GET" && path === "/events") return send(res, 200, state);
  if (req.method !== "POST" || path !== "/webhook") return send(res, 404, { error: "not found" });
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size > maxBody) req.destroy();
    else chunks.push(chunk);
  });
  req.on("end", () => {
    const raw = Buffer.concat(chunks);
    if (!signed(raw, req.headers["x-hub-signature-256"])) {
      state.badSignatures++;
      return send(res, 401, { error: "bad signature" });
    }
    let events;
    try {
      events = eventsOf(JSON.parse(raw.toString("utf8")));
    } catch {
      state.malformed++;
      return send(res, 400, { error: "malformed body" });
    }
    state.events.push(...events.map((e) => ({ ...e, at: new Date().toISOString() })));
    state.events.splice(0, Math.max(0, state.events.length - maxEvents));
    return send(res, 200, {});
  });
});

server.listen(port, host, () => {
  process.stdout.write(`${JSON.stringify({ msg: "webhook receiver listening", port: server.address().port })}\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) process.once(signal, () => server.close(() => process.exit(0)));
