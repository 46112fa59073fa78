// One CoreApp against a real PostgreSQL and the real simulator: outbound text and media with
// their statuses, inbound text and media, read receipts, failures, readiness and metrics.
import { jest } from "@jest/globals";
import { MediaStore } from "../media/store.js";
import { insertMessages, messageRow } from "../webapp/messages/accept.js";
import { until } from "../simulator/testing/until.js";
import { outboxEvents as outboxEventsOf } from "../webhook/testing/events.js";
import type { CoreappService } from "./main.js";
import { startTestInstance, type TestInstance } from "./testing/instance.js";

jest.setTimeout(60_000);

let t: TestInstance;
let coreapp: CoreappService;

beforeAll(async () => {
  t = await startTestInstance();
  coreapp = await t.startCoreapp();
  await until("the shard lease", () => coreapp.lease());
  await until("the gateway connection", () => coreapp.gatewayStatus() === "connected");
});
afterAll(async () => {
  await t.close();
});

const outboxEvents = async (kind: "status" | "message") => (await outboxEventsOf(t.pool, t.sealer, kind)) as Record<string, unknown>[];

test("a queued text reaches the network, decrypts there to the same text, and sent, delivered and read land in the database and the outbox", async () => {
  const id = await t.queueText("491701000001", "Hello from the business");
  const [received] = await until("delivery", async () => {
    const got = await t.control.messages("491701000001");
    return got.length ? got : undefined;
  });
  expect(received).toMatchObject({ id, content: { type: "text", text: { body: "Hello from the business", preview_url: false } } });

  const row = await until("status read", async () => {
    const { rows } = await t.pool.query<{ status: string; sent_at: Date; delivered_at: Date; read_at: Date }>("SELECT status, sent_at, delivered_at, read_at FROM messages WHERE id = $1", [id]);
    return rows[0]?.status === "read" ? rows[0] : undefined;
  });
  expect(row.sent_at).toBeInstanceOf(Date);
  expect(row.delivered_at).toBeInstanceOf(Date);
  expect(row.read_at).toBeInstanceOf(Date);

  const events = (await outboxEvents("status")).filter((e) => (e.status as { id: string }).id === id);
  expect(events.map((e) => (e.status as { status: string }).status)).toEqual(["sent", "delivered", "read"]);
  for (const e of events) {
    expect(e.status).toEqual({ id, recipient_id: "491701000001", status: expect.any(String), timestamp: expect.stringMatching(/^\d{10}$/) });
  }
});

test("messages to one recipient arrive in the order they were accepted", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(...(await t.queue([{ to: "491701000002", body: { type: "text", text: { body: `n${i}` } } }])));
  const got = await until("20 deliveries", async () => {
    const m = await t.control.messages("491701000002");
    return m.length === 20 ? m : undefined;
  });
  expect(got.map((m) => m.id)).toEqual(ids);
});

test("a message whose accept commits after a later message's is still sent (the sweep behind the cursor)", async () => {
  const late = await t.pool.connect();
  try {
    await late.query("BEGIN");
    const [lateId] = await insertMessages(late, [messageRow({ input: "491701000010", waId: "491701000010", type: "text", body: { type: "text", text: { body: "late" } } }, undefined, t.sealer)]);
    const earlyId = await t.queueText("491701000011", "early");
    await until("the later message's delivery", async () => (await t.control.messages("491701000011")).length === 1);
    await late.query("COMMIT");
    const [got] = await until("the late commit's delivery", async () => {
      const m = await t.control.messages("491701000010");
      return m.length ? m : undefined;
    });
    expect(got?.id).toBe(lateId);
    expect(earlyId).not.toBe(lateId);
  } finally {
    late.release();
  }
});

test("after a recipient's device changed its key, the next message is refused once, re-encrypted for the new key and delivered", async () => {
  await t.queueText("491701000020", "to the old phone");
  await until("the first delivery", async () => (await t.control.messages("491701000020")).length === 1);
  await t.control.registerDevice("491701000020");
  const id = await t.queueText("491701000020", "to the new phone");
  const got = await until("the second delivery", async () => {
    const m = await t.control.messages("491701000020");
    return m.length === 2 ? m : undefined;
  });
  expect(got[1]).toMatchObject({ id, content: { text: { body: "to the new phone" } } });
  expect((await t.control.stats()).refused).toBe(1);
  const { rows } = await t.pool.query<{ status: string }>("SELECT status FROM messages WHERE id = $1", [id]);
  expect(rows[0]?.status).not.toBe("failed");
});

test("a message to a number not on WhatsApp fails with 1013 and a failed status event", async () => {
  const id = await t.queueText("9991234567", "nobody home");
  const row = await until("failure", async () => {
    const { rows } = await t.pool.query<{ status: string; error: unknown; failed_at: Date }>("SELECT status, error, failed_at FROM messages WHERE id = $1", [id]);
    return rows[0]?.status === "failed" ? rows[0] : undefined;
  });
  expect(row.error).toEqual([{ code: 1013, title: "User is not valid", details: expect.any(String) }]);
  const event = (await outboxEvents("status")).find((e) => (e.status as { id: string }).id === id);
  expect(event?.status).toMatchObject({ status: "failed", errors: [{ code: 1013 }] });
});

test("an image is uploaded encrypted and the device gets exactly the stored file", async () => {
  const store = new MediaStore(t.env.WABA_MEDIA_DIR ?? "", t.sealer);
  const image = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(5000, 3)]);
  const { address, size } = await store.put(image);
  const mediaId = "5c0a3b5e-0000-4000-8000-000000000001";
  await t.pool.query("INSERT INTO media (id, address, mime_type, size, direction) VALUES ($1, $2, 'image/png', $3, 'outbound')", [mediaId, address, size]);
  const [id] = await t.queue([{ to: "491701000003", body: { type: "image", image: { id: mediaId, caption: "our logo" } } }]);
  const [got] = await until("delivery", async () => {
    const m = await t.control.messages("491701000003");
    return m.length ? m : undefined;
  });
  expect(got?.id).toBe(id);
  expect(got?.content).toMatchObject({ type: "image", image: { caption: "our logo", mime_type: "image/png" } });
  expect(got?.media).toEqual({ size: image.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), mime_type: "image/png" });
  expect(got?.media?.sha256).toBe((await import("node:crypto")).createHash("sha256").update(image).digest("hex"));
});

test("an inbound text lands in inbound_messages and the outbox with the sender's profile", async () => {
  const id = await t.control.inboundText({ from: "491702000001", text: "Hi, is the shop open?", name: "Maria" });
  const row = await until("the inbound row", async () => {
    const { rows } = await t.pool.query<{ from_wa_id: string; type: string; body: Buffer; bucket: number }>("SELECT from_wa_id, type, body, bucket FROM inbound_messages WHERE id = $1", [id]);
    return rows[0];
  });
  expect(row).toMatchObject({ from_wa_id: "491702000001", type: "text" });
  const event = (await outboxEvents("message")).find((e) => (e.message as { id: string }).id === id);
  expect(event).toEqual({
    contact: { profile: { name: "Maria" }, wa_id: "491702000001" },
    message: { from: "491702000001", id, timestamp: expect.stringMatching(/^\d{10}$/), type: "text", text: { body: "Hi, is the shop open?" } },
  });
  expect(t.sealer.openJson(row.body)).toEqual(event?.message);
  await until("the network forgets the confirmed event", async () => (await t.control.stats()).eventsPending === 0);
});

test("inbound media is downloaded into the media store with a media row and announced with our media id", async () => {
  const file = Buffer.from("%PDF-1.7\n a contract to sign");
  const id = await t.control.inboundMedia({ from: "491702000002", type: "document", data: file, mime_type: "application/pdf", caption: "signed", filename: "contract.pdf" });
  const event = await until("the event", async () => (await outboxEvents("message")).find((e) => (e.message as { id: string }).id === id));
  const document = (event.message as { document: { id: string; mime_type: string; sha256: string; caption: string; filename: string } }).document;
  expect(document).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), mime_type: "application/pdf", sha256: expect.any(String), caption: "signed", filename: "contract.pdf" });
  const { rows } = await t.pool.query("SELECT address, mime_type, size, direction FROM media WHERE id = $1", [document.id]);
  expect(rows[0]).toMatchObject({ mime_type: "application/pdf", size: String(file.length), direction: "inbound" });
  const store = new MediaStore(t.env.WABA_MEDIA_DIR ?? "", t.sealer);
  expect(await store.get(rows[0].address)).toEqual(file);
});

test("a read request for an inbound message is sent to the network and marked sent", async () => {
  const id = await t.control.inboundText({ from: "491702000003", text: "read me" });
  await until("the inbound row", async () => (await t.pool.query("SELECT 1 FROM inbound_messages WHERE id = $1", [id])).rowCount === 1);
  await t.pool.query("UPDATE inbound_messages SET read_requested_at = now() WHERE id = $1", [id]);
  await t.pool.query("SELECT pg_notify('waba_messages', 'r' || bucket) FROM inbound_messages WHERE id = $1", [id]);
  await until("read_sent_at", async () => {
    const { rows } = await t.pool.query<{ read_sent_at: Date | null }>("SELECT read_sent_at FROM inbound_messages WHERE id = $1", [id]);
    return rows[0]?.read_sent_at;
  });
  expect((await t.control.reads()).filter((r) => r.id === id)).toEqual([expect.objectContaining({ to: "491702000003", business: t.business })]);
});

test("the node reports itself, is ready, and counts what it did in /metrics", async () => {
  const { rows } = await t.pool.query("SELECT node_id, shard, gateway_status FROM coreapp_nodes");
  expect(rows).toEqual([{ node_id: coreapp.nodeId, shard: 0, gateway_status: "connected" }]);
  const ready = await fetch(`http://127.0.0.1:${coreapp.port}/readyz`);
  expect(ready.status).toBe(200);
  const metrics = await (await fetch(`http://127.0.0.1:${coreapp.port}/metrics`)).text();
  for (const name of ["waba_coreapp_messages_sent_total", "waba_coreapp_messages_delivered_total", "waba_coreapp_accept_to_delivered_seconds_bucket", "waba_coreapp_lease_changes_total{change=\"acquired\"} 1"]) {
    expect(metrics).toContain(name);
  }
  expect(metrics).toMatch(/waba_coreapp_messages_sent_total [1-9]/);
});
