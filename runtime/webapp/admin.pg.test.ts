import { jest } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import request from "supertest";
import { Sealer } from "../crypto/at-rest.js";
import { insertEvents, messageEvent, statusEvent } from "../webhook/testing/events.js";
import { basic, expectApiError, keyPair, monitoringKey, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(60_000);

describe("settings, shards, media, contacts and health", () => {
  let h: Harness;
  let sealer: Sealer;
  const auth = basic(keyPair.id, keyPair.secret);
  beforeAll(async () => {
    h = await startHarness({ otherRateLimit: { ratePerSecond: 1000, burst: 1000 } });
    sealer = await Sealer.fromBase64Key(h.env.WABA_ENCRYPTION_KEY!);
  });
  afterAll(async () => { await h.close(); });
  const api = () => request(h.url);
  const storedSettings = async () => (await h.pool.query("SELECT value FROM settings WHERE key = 'application'")).rows[0]?.value as Record<string, unknown> | undefined;

  describe("application settings", () => {
    afterEach(async () => { await h.pool.query("DELETE FROM settings"); });

    it("answer defaults, take a webhook with a secret that is stored sealed and never answered", async () => {
      const defaults = await api().get("/v1/settings/application").set("authorization", auth);
      expect(defaults.body.settings.application).toMatchObject({ callback_persist: true, callback_backoff_delay_ms: 3000, max_callback_backoff_delay_ms: 900000, webhooks: {} });
      const patched = await api().patch("/v1/settings/application").set("authorization", auth)
        .send({ webhooks: { url: "https://hooks.example.com/wa", format: "cloud", secret: "hmac-secret-xyz" }, callback_backoff_delay_ms: 5000 });
      expect(patched.status).toBe(200);
      expect(JSON.stringify(patched.body)).not.toContain("hmac-secret-xyz");
      const got = await api().get("/v1/settings/application").set("authorization", auth);
      expect(got.body.settings.application.webhooks).toEqual({ url: "https://hooks.example.com/wa", format: "cloud" });
      const stored = await storedSettings();
      const hooks = stored?.webhooks as { secret_sealed: string };
      expect(JSON.stringify(stored)).not.toContain("hmac-secret-xyz");
      expect(sealer.open(Buffer.from(hooks.secret_sealed, "base64")).toString()).toBe("hmac-secret-xyz");
      expect(stored).toMatchObject({ callback_backoff_delay_ms: 5000, webhooks: { url: "https://hooks.example.com/wa", format: "cloud" } });
    });

    it("refuse a bad value naming the field and change nothing", async () => {
      await api().patch("/v1/settings/application").set("authorization", auth).send({ heartbeat_interval: 9 });
      const before = await storedSettings();
      expect(expectApiError(await api().patch("/v1/settings/application").set("authorization", auth).send({ heartbeat_interval: 10, webhooks: { max_concurrent_requests: 5 } }), 400, 1009))
        .toMatch(/^webhooks\.max_concurrent_requests: /);
      expect(await storedSettings()).toEqual(before);
    });

    it("are reset by DELETE", async () => {
      await api().patch("/v1/settings/application").set("authorization", auth).send({ callback_persist: false });
      expect((await api().delete("/v1/settings/application").set("authorization", auth)).status).toBe(200);
      expect((await api().get("/v1/settings/application").set("authorization", auth)).body.settings.application.callback_persist).toBe(true);
    });

    it("back up encrypted with a password and restore, secret included", async () => {
      await api().patch("/v1/settings/application").set("authorization", auth).send({ webhooks: { url: "https://hooks.example.com/wa", secret: "hmac-secret-xyz" }, media: { auto_download: ["image", "audio"] } });
      const backup = await api().post("/v1/settings/backup").set("authorization", auth).send({ password: "backup-pass-1" });
      expect(backup.status).toBe(200);
      const data = backup.body.settings.data as string;
      expect(Buffer.from(data, "base64").toString("latin1")).not.toContain("hooks.example.com");
      await api().delete("/v1/settings/application").set("authorization", auth);
      expect(expectApiError(await api().post("/v1/settings/restore").set("authorization", auth).send({ password: "wrong-pass-1", data }), 400, 1009)).toMatch(/^data: /);
      expect(await storedSettings()).toBeUndefined();
      expect((await api().post("/v1/settings/restore").set("authorization", auth).send({ password: "backup-pass-1", data })).status).toBe(200);
      const restored = await storedSettings();
      expect(restored).toMatchObject({ webhooks: { url: "https://hooks.example.com/wa" }, media: { auto_download: ["image", "audio"] } });
      expect(sealer.open(Buffer.from((restored!.webhooks as { secret_sealed: string }).secret_sealed, "base64")).toString()).toBe("hmac-secret-xyz");
    });
  });

  it("reports and changes the shard count, for this instance's number only", async () => {
    expect((await api().get("/v1/account/shards").set("authorization", auth)).body.account).toEqual({ shards: 1 });
    const changed = await api().post("/v1/account/shards").set("authorization", auth).send({ cc: "1", phone_number: "5550001111", shards: 4, pin: "123456" });
    expect(changed.status).toBe(200);
    expect(changed.body.account).toEqual({ shards: 4 });
    expect((await api().get("/v1/account/shards").set("authorization", auth)).body.account).toEqual({ shards: 4 });
    const { rows } = await h.pool.query("SELECT generation::int, shards FROM shard_map ORDER BY generation");
    expect(rows).toEqual([{ generation: 1, shards: 1 }, { generation: 2, shards: 4 }]);
    expect(h.app.webapp.context.cluster.snapshot.shards).toBe(4);
  });

  it("stores media sealed and content-addressed, serves it back and removes the file with its last use", async () => {
    const pdf = Buffer.from("%PDF-1.4 invoice number 12345 %%EOF");
    const up = async () => (await api().post("/v1/media").set({ authorization: auth, "content-type": "application/pdf" }).send(pdf)).body.media[0].id as string;
    const [a, b] = [await up(), await up()];
    expect(a).not.toBe(b);
    const { rows } = await h.pool.query<{ address: string; mime_type: string; size: string }>("SELECT address, mime_type, size FROM media WHERE id = ANY($1) ORDER BY id", [[a, b]]);
    expect(new Set(rows.map((r) => r.address)).size).toBe(1);
    expect(rows[0]).toMatchObject({ mime_type: "application/pdf", size: String(pdf.length) });
    const file = join(h.env.WABA_MEDIA_DIR!, rows[0]!.address.slice(0, 2), rows[0]!.address);
    expect(readFileSync(file).includes(Buffer.from("invoice"))).toBe(false);

    const got = await api().get(`/v1/media/${a}`).set("authorization", auth).buffer(true).parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => { cb(null, Buffer.concat(chunks)); });
    });
    expect(got.status).toBe(200);
    expect(got.headers["content-type"]).toBe("application/pdf");
    expect(Buffer.compare(got.body as Buffer, pdf)).toBe(0);

    expect((await api().delete(`/v1/media/${a}`).set("authorization", auth)).status).toBe(200);
    expect(existsSync(file)).toBe(true);
    expectApiError(await api().get(`/v1/media/${a}`).set("authorization", auth), 404, 1006);
    expect((await api().delete(`/v1/media/${b}`).set("authorization", auth)).status).toBe(200);
    expect(existsSync(file)).toBe(false);
    expectApiError(await api().delete(`/v1/media/${b}`).set("authorization", auth), 404, 1006);
  });

  it("checks contacts against the key directory, waiting or not, and remembers the answers", async () => {
    h.onWhatsApp.add("15550101010");
    const wait = await api().post("/v1/contacts").set("authorization", auth).send({ blocking: "wait", contacts: ["+1 555 010 1010", "+15550202020", "hello"] });
    expect(wait.body.contacts).toEqual([
      { input: "+1 555 010 1010", status: "valid", wa_id: "15550101010" },
      { input: "+15550202020", status: "invalid" },
      { input: "hello", status: "invalid" },
    ]);
    const { rows } = await h.pool.query("SELECT wa_id, status FROM contacts ORDER BY wa_id");
    expect(rows).toEqual([{ wa_id: "15550101010", status: "valid" }, { wa_id: "15550202020", status: "invalid" }]);

    h.onWhatsApp.add("15550303030");
    const noWait = await api().post("/v1/contacts").set("authorization", auth).send({ contacts: ["+15550303030", "+15550101010"] });
    expect(noWait.body.contacts).toEqual([{ input: "+15550303030", status: "processing" }, { input: "+15550101010", status: "valid", wa_id: "15550101010" }]);
    const deadline = Date.now() + 5000;
    let status = "processing";
    while (status === "processing" && Date.now() < deadline) {
      status = (await api().post("/v1/contacts").set("authorization", auth).send({ contacts: ["+15550303030"] })).body.contacts[0].status as string;
    }
    expect(status).toBe("valid");
  });

  it("reports every CoreApp's gateway status and role, and the WebApp", async () => {
    const { rows } = await h.pool.query<{ generation: string }>("SELECT max(generation) AS generation FROM shard_map");
    const generation = rows[0]!.generation;
    const shards = (await h.pool.query<{ shards: number }>("SELECT shards FROM shard_map WHERE generation = $1", [generation])).rows[0]!.shards;
    const values = Array.from({ length: shards }, (_, s) => `('core-${s}:c${s}', ${generation}, ${s}, 'connected')`).join(", ");
    await h.pool.query(`INSERT INTO coreapp_nodes (node_id, generation, shard, gateway_status) VALUES ${values}, ('core-9:spare', NULL, NULL, 'connecting')`);
    try {
      await h.app.webapp.context.cluster.refreshNow();
      const res = await api().get("/v1/health").set("authorization", `Apikey ${monitoringKey}`);
      const health = res.body.health as Record<string, { gateway_status: string; role: string; shard?: number }>;
      expect(health["core-0:c0"]).toEqual({ gateway_status: "connected", role: "coreapp", shard: 0 });
      expect(health["core-9:spare"]).toEqual({ gateway_status: "connecting", role: "spare" });
      const webapp = Object.entries(health).find(([, v]) => v.role === "webapp");
      expect(webapp?.[1]).toEqual({ gateway_status: "connected", role: "webapp" });
      expect(Object.keys(health)).toHaveLength(shards + 2);
    } finally {
      await h.pool.query("DELETE FROM coreapp_nodes");
      await h.app.webapp.context.cluster.refreshNow();
    }
  });

  it("counts webhook events in the app stats, an outbox row holding a batch as all its events", async () => {
    const statuses = Array.from({ length: 12 }, (_, i) => statusEvent(`wamid.stats${i}`, "sent"));
    const [pending, dead] = await insertEvents(h.pool, sealer, [...statuses, messageEvent("wamid.stats-in")], { perRow: 5 }); // rows of 5, 5, 2 statuses and the message
    try {
      await h.pool.query("UPDATE webhook_outbox SET fanned_out = true WHERE id = ANY($1::bigint[])", [[pending, dead]]);
      await h.pool.query("INSERT INTO webhook_deliveries (event_id, endpoint, state) VALUES ($1, 'application', 'pending'), ($2, 'application', 'dead')", [pending, dead]);
      const stats = await api().get("/v1/stats/app").set("authorization", `Apikey ${monitoringKey}`);
      expect(stats.body.stats.app.webhooks).toEqual({ pending: 5, delivered: 0, dead: 5, events_not_fanned_out: 3 });
    } finally {
      await h.pool.query("DELETE FROM webhook_outbox");
    }
  });

  it("serves /healthz, /readyz and /metrics on the same port without credentials", async () => {
    expect((await api().get("/healthz")).status).toBe(200);
    expect((await api().get("/readyz")).status).toBe(200);
    await api().post("/v1/messages").set("authorization", auth).send({ to: "15551234567", type: "text", text: { body: "count me" } });
    const metrics = await api().get("/metrics");
    expect(metrics.text).toMatch(/waba_messages_accepted_total \d+/);
    expect(metrics.text).toContain('waba_webapp_requests_total{route="/v1/messages",method="POST",status="201"}');
    expect(metrics.text).toContain("waba_webapp_accept_seconds_bucket");
  });
});
