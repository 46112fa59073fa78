import { jest } from "@jest/globals";
import pg from "pg";
import request from "supertest";
import { Pool } from "undici";
import { loadEnv } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { poolFromUrl } from "../db/pool.js";
import { createLogger } from "../observability/logger.js";
import { bucketOf, recipientHash } from "../sharding/hash.js";
import { startWebapp } from "./server.js";
import { basic, expectApiError, keyPair, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(60_000);

/** Counts the statements that insert messages, on the WebApp's own pool. */
const inserts = { count: 0 };
function countingPool(url: string): pg.Pool {
  const pool = poolFromUrl(url, 20);
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const first = args[0] as string | { text?: string };
    const text = typeof first === "string" ? first : first.text;
    if (text?.includes("INSERT INTO messages")) inserts.count += 1;
    return query(...args);
  }) as typeof pool.query;
  return pool;
}

describe("accepting messages", () => {
  let h: Harness;
  let auth: string;
  beforeAll(async () => {
    h = await startHarness({ makePool: countingPool, overloadQueueDepth: 100, otherRateLimit: { ratePerSecond: 1000, burst: 1000 } });
    auth = basic(keyPair.id, keyPair.secret);
  });
  afterAll(async () => { await h.close(); });
  const send = (body: object, headers: Record<string, string> = {}) => request(h.url).post("/v1/messages").set({ authorization: auth, ...headers }).send(body);
  const count = async (table: string) => (await h.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;

  it("stores a queued row with the recipient's bucket and hash and the sealed message, and wakes the CoreApps", async () => {
    const listener = new pg.Client({ connectionString: h.dbUrl });
    await listener.connect();
    const notified = new Promise<string | undefined>((resolve) => { listener.on("notification", (n) => { resolve(n.payload); }); });
    await listener.query("LISTEN waba_messages");
    try {
      const res = await send({ to: "+49 151 2345 6789", type: "text", text: { body: "Your order shipped" } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ messages: [{ id: expect.stringMatching(/^wamid\.[A-Za-z0-9_-]{24}$/) }], meta: { version: expect.any(String), api_status: "stable" } });
      const { rows } = await h.pool.query("SELECT recipient, recipient_hash::bigint AS hash, bucket, type, status, body, idempotency_key FROM messages WHERE id = $1", [res.body.messages[0].id]);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row).toMatchObject({ recipient: "4915123456789", hash: String(recipientHash("4915123456789")), bucket: bucketOf("4915123456789"), type: "text", status: "queued", idempotency_key: null });
      const sealer = await Sealer.fromBase64Key(h.env.WABA_ENCRYPTION_KEY!);
      expect((row.body as Buffer).toString("utf8")).not.toContain("shipped");
      expect(sealer.openJson(row.body)).toEqual({ type: "text", text: { body: "Your order shipped", preview_url: false } });
      expect(await notified).toBe(String(bucketOf("4915123456789")));
    } finally {
      await listener.end();
    }
  });

  it("batches concurrent sends into far fewer INSERT statements than requests", async () => {
    const before = { inserts: inserts.count, rows: await count("messages") };
    const n = 200;
    const client = new Pool(h.url, { connections: 64 });
    const results = await Promise.all(Array.from({ length: n }, async (_, i) => {
      const res = await client.request({
        method: "POST", path: "/v1/messages",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify({ to: `1555${String(1000000 + i)}`, type: "text", text: { body: `message ${i}` } }),
      });
      return { status: res.statusCode, id: ((await res.body.json()) as { messages: { id: string }[] }).messages[0]!.id };
    })).finally(() => client.close());
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(n);
    expect((await count("messages")) - before.rows).toBe(n);
    const statements = inserts.count - before.inserts;
    expect(statements).toBeGreaterThan(0);
    expect(statements).toBeLessThan(n / 2);
  });

  it("honours Idempotency-Key: the same key answers the first id and stores one row, even concurrently", async () => {
    const first = await send({ to: "15550009999", type: "text", text: { body: "once" } }, { "idempotency-key": "order-42-shipped" });
    const again = await send({ to: "15550009999", type: "text", text: { body: "once" } }, { "idempotency-key": "order-42-shipped" });
    expect(first.status).toBe(201);
    expect(again.body.messages).toEqual(first.body.messages);
    const burst = await Promise.all(Array.from({ length: 20 }, () => send({ to: "15550008888", type: "text", text: { body: "burst" } }, { "idempotency-key": "burst-key" })));
    expect(new Set(burst.map((r) => r.body.messages[0].id as string)).size).toBe(1);
    const { rows } = await h.pool.query("SELECT idempotency_key, count(*)::int AS n FROM messages WHERE idempotency_key IN ('order-42-shipped', 'burst-key') GROUP BY 1 ORDER BY 1");
    expect(rows).toEqual([{ idempotency_key: "burst-key", n: 1 }, { idempotency_key: "order-42-shipped", n: 1 }]);
    expect(expectApiError(await send({ to: "15550009999", type: "text", text: { body: "x" } }, { "idempotency-key": "has space" }), 400, 1009)).toMatch(/^Idempotency-Key: /);
  });

  it("marks an inbound message read for the CoreApp to send the receipt", async () => {
    await h.pool.query("INSERT INTO inbound_messages (id, from_wa_id, bucket, type, body) VALUES ('wamid.IN1', '15557654321', $1, 'text', '\\x00')", [bucketOf("15557654321")]);
    const res = await request(h.url).put("/v1/messages/wamid.IN1").set("authorization", auth).send({ status: "read" });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ meta: { version: expect.any(String), api_status: "stable" } });
    const { rows } = await h.pool.query("SELECT read_requested_at FROM inbound_messages WHERE id = 'wamid.IN1'");
    expect(rows[0].read_requested_at).toBeInstanceOf(Date);
    expectApiError(await request(h.url).put("/v1/messages/wamid.NOPE").set("authorization", auth).send({ status: "read" }), 404, 1006);
    expect(expectApiError(await request(h.url).put("/v1/messages/wamid.IN1").set("authorization", auth).send({ status: "unread" }), 400, 1009)).toMatch(/^status: /);
  });

  it("sends media by our id only when it exists and fits the type", async () => {
    const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(64, 7)]);
    const upload = await request(h.url).post("/v1/media").set({ authorization: auth, "content-type": "image/png" }).send(png);
    expect(upload.status).toBe(201);
    const id = upload.body.media[0].id as string;
    expect((await send({ to: "15551112222", type: "image", image: { id, caption: "receipt" } })).status).toBe(201);
    expect((await send({ to: "15551112222", type: "document", document: { id, filename: "receipt.png" } })).status).toBe(201);
    const before = await count("messages");
    expect(expectApiError(await send({ to: "15551112222", type: "audio", audio: { id } }), 400, 1009)).toMatch(/^audio\.id: the media is image\/png/);
    expect(expectApiError(await send({ to: "15551112222", type: "image", image: { id: "00000000-0000-4000-8000-000000000000" } }), 400, 1009)).toMatch(/^image\.id: no media with this id/);
    expect(await count("messages")).toBe(before);
  });

  it("answers 503 with Retry-After when the CoreApp owning the recipient is over its queue bound, storing nothing", async () => {
    const map = await h.pool.query<{ generation: string; shards: number }>("SELECT generation, shards FROM shard_map ORDER BY generation DESC LIMIT 1");
    const { generation, shards } = map.rows[0]!;
    expect(shards).toBe(1);
    await h.pool.query("INSERT INTO coreapp_nodes (node_id, generation, shard, gateway_status, queue_depth) VALUES ('core-0:a', $1, 0, 'connected', 101)", [generation]);
    await h.app.webapp.context.cluster.refreshNow();
    try {
      const before = await count("messages");
      const res = await send({ to: "15551112222", type: "text", text: { body: "too much" } });
      expectApiError(res, 503, 1016);
      expect(res.headers["retry-after"]).toBe("1");
      expect(await count("messages")).toBe(before);
      await h.pool.query("UPDATE coreapp_nodes SET queue_depth = 100");
      await h.app.webapp.context.cluster.refreshNow();
      expect((await send({ to: "15551112222", type: "text", text: { body: "fine again" } })).status).toBe(201);
    } finally {
      await h.pool.query("DELETE FROM coreapp_nodes");
      await h.app.webapp.context.cluster.refreshNow();
    }
  });

  it("limits sends to the tier's rate with 429 and Retry-After, on both surfaces", async () => {
    const env = { ...h.env, WABA_RATE_LIMIT_PER_SECOND: "1", WABA_RATE_LIMIT_BURST: "3" };
    // A stopped clock: no token comes back while the requests run, however slow the machine.
    const frozen = Date.now();
    const tight = await startWebapp(loadEnv("webapp", env), createLogger({ role: "webapp", level: "silent" }), env, { otherRateLimit: { ratePerSecond: 1, burst: 2 }, now: () => frozen });
    try {
      await tight.webapp.started;
      const body = { to: "15553334444", type: "text", text: { body: "hi" } };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await request(tight.url).post("/v1/messages").set("authorization", auth).send(body)).status);
      expect(statuses).toEqual([201, 201, 201]);
      const limited = await request(tight.url).post("/v1/messages").set("authorization", auth).send(body);
      expectApiError(limited, 429, 1015);
      expect(limited.headers["retry-after"]).toBe("1");
      const cloud = await request(tight.url).post(`/v19.0/${h.env.WABA_PHONE_NUMBER_ID}/messages`).set("authorization", `Bearer ${keyPair.id}:${keyPair.secret}`)
        .send({ messaging_product: "whatsapp", ...body });
      expect(cloud.status).toBe(429);
      expect(cloud.body.error).toMatchObject({ code: 130429, type: "OAuthException" });
      // other endpoints: per client, here 1/s with bursts of 2
      const health = [];
      for (let i = 0; i < 3; i++) health.push((await request(tight.url).get("/v1/health").set("authorization", auth)).status);
      expect(health).toEqual([200, 200, 429]);
    } finally {
      await tight.stop();
    }
  });
});
