import { randomBytes } from "node:crypto";
import { jest } from "@jest/globals";
import type pg from "pg";
import { Registry } from "prom-client";
import { loadEnv } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { migrate } from "../db/migrate.js";
import { poolFromUrl } from "../db/pool.js";
import { createTestDatabase } from "../db/testing/postgres.js";
import { inTransaction } from "../db/transaction.js";
import { createLogger } from "../observability/logger.js";
import { backoffCeilingMs } from "./backoff.js";
import { applicationEndpointId, operatorEndpointId } from "./endpoints.js";
import { outboxChannel } from "./outbox.js";
import { startWebhook, type WebhookService, type WebhookTuning } from "./main.js";
import { insertEvents, messageEvent, statusEvent, type OutboxEvent } from "./testing/events.js";
import { webhookEnv, writeApplicationSettings, type Subscription } from "./testing/harness.js";
import { startReceiver, type WebhookReceiver } from "./testing/receiver.js";

jest.setTimeout(60_000);
const logger = createLogger({ role: "webhook", level: (process.env.TEST_LOG ?? "silent") as "silent" });

async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A sample's value from a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `)
    ? Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)) : false);
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}

const statuses = (n: number, prefix = "s") => Array.from({ length: n }, (_, i) => statusEvent(`wamid.${prefix}${i}`, ["sent", "delivered", "read"][i % 3]!));
const keyOf = (e: OutboxEvent) => {
  const p = e.payload as { status?: { id: string; status: string }; message?: { id: string } };
  return p.status ? `status:${p.status.id}:${p.status.status}` : `message:${p.message!.id}`;
};

describe("the webhook dispatcher", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let sealer: Sealer;
  const key = randomBytes(32).toString("base64");
  let services: WebhookService[] = [];
  let receivers: WebhookReceiver[] = [];

  beforeEach(async () => {
    db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!);
    pool = poolFromUrl(db.url);
    await migrate(pool);
    sealer = await Sealer.fromBase64Key(key);
  });
  afterEach(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await Promise.all(receivers.map((r) => r.close()));
    services = [];
    receivers = [];
    await pool.end();
    await db.drop();
  });

  const receiver = async (options: Parameters<typeof startReceiver>[0] = {}) => {
    const r = await startReceiver(options);
    receivers.push(r);
    return r;
  };
  const dispatcher = async (subscriptions: Subscription[], env: NodeJS.ProcessEnv = {}, tuning: WebhookTuning = {}) => {
    const e = webhookEnv(db.url, subscriptions, { WABA_ENCRYPTION_KEY: key, ...env });
    const service = await startWebhook(loadEnv("webhook", e), logger, e, { registry: new Registry(), pollMs: 250, settingsPollMs: 1000, sweepMs: 300, ...tuning });
    services.push(service);
    return service;
  };
  const scrape = async (service: WebhookService) => (await fetch(`http://127.0.0.1:${service.port}/metrics`)).text();
  const count = async (sql: string, params: unknown[] = []) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);

  it("delivers every event to every subscribed endpoint in its format, signed with its secret, honouring event filters", async () => {
    const a = await receiver({ secret: "secret-a" });
    const b = await receiver({ secret: "secret-b" });
    const app = await receiver({ secret: "secret-app" });
    await writeApplicationSettings(pool, sealer, { url: app.url, format: "cloud", secret: "secret-app" });
    const service = await dispatcher([
      { url: a.url, format: "onprem", secret: "secret-a" },
      { url: b.url, format: "cloud", events: ["statuses"], secret: "secret-b" },
    ]);
    const sent = statuses(30);
    const inbound = Array.from({ length: 10 }, (_, i) => messageEvent(`wamid.m${i}`, `1555000000${i % 3}`, `text ${i}`));
    await insertEvents(pool, sealer, [...sent, ...inbound]);

    await a.waitFor((r) => r.events.size === 40, 20_000, "40 events at the on-prem endpoint");
    await b.waitFor((r) => r.events.size === 30, 20_000, "30 statuses at the Cloud endpoint");
    await app.waitFor((r) => r.events.size === 40, 20_000, "40 events at the settings' endpoint");
    for (const e of sent) {
      const status = (e.payload as { status: unknown }).status;
      expect(a.events.get(keyOf(e))).toMatchObject({ format: "onprem", object: status });
      expect(b.events.get(keyOf(e))).toMatchObject({ format: "cloud", object: status });
      expect(app.events.get(keyOf(e))).toMatchObject({ format: "cloud", object: status });
    }
    for (const e of inbound) {
      const { contact, message } = e.payload as { contact: unknown; message: unknown };
      expect(a.events.get(keyOf(e))).toEqual({ key: keyOf(e), kind: "message", format: "onprem", object: message, contact, count: 1 });
      expect(app.events.get(keyOf(e))).toMatchObject({ format: "cloud", object: message, contact });
    }
    expect([...b.events.values()].filter((e) => e.kind === "message")).toEqual([]);
    for (const r of [a, b, app]) expect({ badSignatures: r.badSignatures, malformed: r.malformed, duplicates: r.duplicates }).toEqual({ badSignatures: 0, malformed: 0, duplicates: 0 });
    expect(b.requests[0]!.body).toMatchObject({
      object: "whatsapp_business_account",
      entry: [{ id: "205550001111", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550001111", phone_number_id: "105550001111" } } }] }],
    });
    // Several events travel in one POST.
    expect(a.requests.length).toBeLessThan(40);
    expect(Math.max(...a.requests.map((r) => r.keys.length))).toBeGreaterThan(1);

    // Delivered events leave both tables.
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_outbox")) === 0, "the outbox to be emptied");
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries")).toBe(0);
    // Counted once recorded, just after the POST.
    const counted = async () => {
      const metrics = await scrape(service);
      return [
        sample(metrics, "waba_webhook_deliveries_total", { endpoint: operatorEndpointId(a.url), result: "delivered" }),
        sample(metrics, "waba_webhook_delivery_latency_seconds_count", { endpoint: operatorEndpointId(b.url) }),
        sample(metrics, "waba_webhook_deliveries_total", { endpoint: applicationEndpointId, result: "delivered" }),
        sample(metrics, "waba_webhook_fanned_out_events_total"),
      ];
    };
    await eventually(async () => (await counted()).reduce((x, y) => x + y) >= 150, "the metrics");
    expect(await counted()).toEqual([40, 30, 40, 40]);
  });

  it("keeps every event through refused connections, 500s and timeouts, and delivers them all once the receiver is back", async () => {
    const r = await receiver({ secret: "s" });
    await writeApplicationSettings(pool, sealer, { backoffMs: 100, maxBackoffMs: 400 });
    await r.down();
    const service = await dispatcher([{ url: r.url, format: "onprem", secret: "s" }], { WABA_WEBHOOK_TIMEOUT_MS: "300" });
    const events = statuses(25);
    await insertEvents(pool, sealer, events);
    const failedWith = (pattern: string) => eventually(
      async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE last_error LIKE $1", [pattern])) === 25, `every delivery to fail with ${pattern}`);

    await failedWith("connection failed%");
    await r.up();
    r.respond({ status: 500 });
    await failedWith("HTTP 500");
    r.respond("hang");
    await failedWith("timeout");
    expect(r.events.size).toBe(0);
    r.respond({ status: 200 });

    await r.waitFor((x) => x.events.size === 25, 20_000, "every event after the outage");
    expect(events.every((e) => r.events.has(keyOf(e)))).toBe(true);
    const endpoint = operatorEndpointId(r.url);
    await eventually(async () => sample(await scrape(service), "waba_webhook_deliveries_total", { endpoint, result: "delivered" }) === 25, "the metrics");
    const metrics = await scrape(service);
    for (const result of ["connection", "http", "timeout", "ok"]) {
      expect(sample(metrics, "waba_webhook_requests_total", { endpoint, result })).toBeGreaterThan(0);
    }
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "retry" })).toBeGreaterThanOrEqual(75);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "dead" })).toBe(0);
  });

  it("waits a jittered, doubling delay up to the cap between attempts, woken by its own timer", async () => {
    // Every failure is recorded with the delay it chose, exactly, by a trigger on the test database.
    await pool.query(`
      CREATE TABLE failure_log (attempts int, delay_ms double precision);
      CREATE FUNCTION log_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
        IF NEW.attempts = OLD.attempts AND NEW.state = 'pending' AND NEW.last_error IS NOT NULL THEN
          INSERT INTO failure_log VALUES (NEW.attempts, extract(epoch FROM NEW.next_attempt_at - now()) * 1000);
        END IF; RETURN NEW; END $$;
      CREATE TRIGGER log_failure AFTER UPDATE ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION log_failure();`);
    const r = await receiver();
    r.respond({ status: 503 });
    const base = 300;
    const cap = 1200;
    await writeApplicationSettings(pool, sealer, { backoffMs: base, maxBackoffMs: cap });
    // No polling: only the retry timer can bring the next attempts on time.
    await dispatcher([{ url: r.url, format: "onprem", secret: "s" }], { WABA_WEBHOOK_MAX_ATTEMPTS: "6" }, { pollMs: 600_000 });
    await insertEvents(pool, sealer, statuses(1));

    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'dead'")) === 1, "the dead letter", 20_000);
    const { rows } = await pool.query<{ attempts: number; delay_ms: number }>("SELECT attempts, delay_ms FROM failure_log ORDER BY attempts");
    expect(rows.map((row) => row.attempts)).toEqual([1, 2, 3, 4, 5]);
    for (const { attempts, delay_ms: delay } of rows) {
      const ceiling = backoffCeilingMs(attempts, base, cap);
      expect(ceiling).toBe(Math.min(cap, base * 2 ** (attempts - 1)));
      expect(delay).toBeGreaterThanOrEqual(ceiling / 2 - 1);
      expect(delay).toBeLessThanOrEqual(ceiling + 1);
    }
    // The POSTs themselves are spaced accordingly: never early, and not much later.
    const arrivals = r.requests.map((x) => x.at);
    expect(arrivals).toHaveLength(6);
    for (let n = 1; n < arrivals.length; n++) {
      const gap = arrivals[n]! - arrivals[n - 1]!;
      expect(gap).toBeGreaterThanOrEqual(rows[n - 1]!.delay_ms - 5);
      expect(gap).toBeLessThanOrEqual(rows[n - 1]!.delay_ms + 1000);
    }
  });

  it("makes a delivery that keeps failing a dead letter after the maximum attempts, kept and visible in the table and the metrics", async () => {
    const failing = await receiver({ secret: "f" });
    const healthy = await receiver({ secret: "h" });
    failing.respond({ status: 500 });
    await writeApplicationSettings(pool, sealer, { backoffMs: 50, maxBackoffMs: 100 });
    const service = await dispatcher(
      [{ url: failing.url, format: "onprem", secret: "f" }, { url: healthy.url, format: "cloud", secret: "h" }],
      { WABA_WEBHOOK_MAX_ATTEMPTS: "3" },
    );
    await insertEvents(pool, sealer, statuses(10));

    const endpoint = operatorEndpointId(failing.url);
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE endpoint = $1 AND state = 'dead'", [endpoint])) === 10, "10 dead letters");
    await healthy.waitFor((x) => x.events.size === 10, 10_000, "the healthy endpoint's events");
    const dead = await pool.query("SELECT attempts, last_error FROM webhook_deliveries WHERE endpoint = $1", [endpoint]);
    expect(dead.rows).toEqual(Array.from({ length: 10 }, () => ({ attempts: 3, last_error: "HTTP 500" })));
    expect(failing.events.size).toBe(0);
    // Events with dead letters are kept (for stats and inspection), with their other deliveries.
    await new Promise((resolve) => setTimeout(resolve, 1000)); // a few sweeps
    expect(await count("SELECT count(*) AS n FROM webhook_outbox")).toBe(10);
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'delivered'")).toBe(10);
    const metrics = await scrape(service);
    expect(sample(metrics, "waba_webhook_dead_letters", { endpoint })).toBe(10);
    expect(sample(metrics, "waba_webhook_pending_deliveries", { endpoint })).toBe(0);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "dead" })).toBe(10);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "retry" })).toBe(20);
  });

  it("makes deliveries not made within the maximum age dead letters, also for an endpoint that was removed", async () => {
    const r = await receiver({ secret: "app" });
    await r.down();
    await writeApplicationSettings(pool, sealer, { url: r.url, secret: "app", backoffMs: 100, maxBackoffMs: 200 });
    const service = await dispatcher([], { WABA_WEBHOOK_MAX_AGE_SECONDS: "5" }); // not before the checks below
    await insertEvents(pool, sealer, statuses(5));
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE attempts > 0")) === 5, "a first attempt");
    // The API-managed webhook is removed: nobody tries these deliveries any more.
    await writeApplicationSettings(pool, sealer, { backoffMs: 100, maxBackoffMs: 200 });
    await eventually(async () => Promise.resolve(service.dispatcher.endpoints.length === 0), "the endpoint's removal");
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'pending'")).toBe(5);

    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'dead'")) === 5, "5 expired deliveries");
    const { rows } = await pool.query("SELECT DISTINCT endpoint, last_error FROM webhook_deliveries");
    expect(rows).toEqual([{ endpoint: applicationEndpointId, last_error: "expired: not delivered within the maximum age" }]);
  });

  it("follows the settings' webhook url and secret without a restart", async () => {
    const first = await receiver({ secret: "one" });
    const second = await receiver({ secret: "two" });
    await writeApplicationSettings(pool, sealer, { url: first.url, secret: "one" });
    await dispatcher([], {}, { settingsPollMs: 600_000 });
    await insertEvents(pool, sealer, statuses(3, "a"));
    await first.waitFor((x) => x.events.size === 3, 10_000, "events at the first url");

    await writeApplicationSettings(pool, sealer, { url: second.url, secret: "two" }); // NOTIFY waba_settings
    await eventually(async () => {
      await insertEvents(pool, sealer, [statusEvent(`wamid.probe${Date.now()}`, "sent")]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return second.events.size > 0;
    }, "the new url to receive events");
    const probesAtFirst = first.events.size - 3;
    await insertEvents(pool, sealer, statuses(3, "b"));
    await second.waitFor((x) => [...x.events.keys()].filter((k) => k.startsWith("status:wamid.b")).length === 3, 10_000, "events at the new url");
    expect(first.events.size - 3).toBe(probesAtFirst);
    expect(second.badSignatures).toBe(0);
  });

  it("runs as two dispatchers at once without fanning out any event twice or skipping one", async () => {
    const r = await receiver({ secret: "s" });
    const hooks: Subscription[] = [{ url: r.url, format: "onprem", secret: "s" }];
    const one = await dispatcher(hooks, { WABA_WEBHOOK_BATCH_SIZE: "20" });
    const two = await dispatcher(hooks, { WABA_WEBHOOK_BATCH_SIZE: "20" });
    const batches = Array.from({ length: 40 }, (_, b) => statuses(50, `b${b}x`));
    await Promise.all(batches.map((batch) => insertEvents(pool, sealer, batch)));

    await r.waitFor((x) => x.events.size === 2000, 30_000, "all 2000 events");
    const fanned = await Promise.all([one, two].map(async (s) => sample(await scrape(s), "waba_webhook_fanned_out_events_total")));
    expect(fanned[0]! + fanned[1]!).toBe(2000);
    expect(fanned.every((n) => n > 0)).toBe(true);
    // Each delivery was POSTed by exactly one of them (counted once it is recorded, after the POST).
    const endpoint = operatorEndpointId(r.url);
    const delivered = async () => (await Promise.all([one, two].map(async (s) => sample(await scrape(s), "waba_webhook_deliveries_total", { endpoint, result: "delivered" })))).reduce((a, b) => a + b);
    await eventually(async () => (await delivered()) >= 2000, "every delivery to be recorded");
    expect(await count("SELECT count(*) AS n FROM webhook_outbox")).toBe(0);
    expect(await delivered()).toBe(2000);
    expect(r.duplicates).toBe(0);
  });

  it("delivers new events without making delivery rows while no endpoint fails, and again once a failing endpoint takes a POST", async () => {
    await pool.query(`
      CREATE TABLE deliveries_made (n int);
      CREATE FUNCTION count_delivery() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO deliveries_made VALUES (1); RETURN NEW; END $$;
      CREATE TRIGGER count_delivery AFTER INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION count_delivery();`);
    const made = () => count("SELECT count(*) AS n FROM deliveries_made");
    const r = await receiver({ secret: "s" });
    await writeApplicationSettings(pool, sealer, { backoffMs: 100, maxBackoffMs: 200 });
    const service = await dispatcher([{ url: r.url, format: "onprem", secret: "s" }]);
    // A probe event at a time until one arrives without a delivery row: the fast path is on.
    let probes = 0;
    const fastPathOn = () => eventually(async () => {
      const before = await made();
      const probe = statusEvent(`wamid.probe${probes++}`, "sent");
      await insertEvents(pool, sealer, [probe]);
      await r.waitFor((x) => x.events.has(keyOf(probe)), 10_000, "the probe");
      return (await made()) === before;
    }, "a probe delivered without a delivery row", 20_000);

    await fastPathOn();
    const before = await made();
    const fast = statuses(50, "fast");
    await insertEvents(pool, sealer, fast);
    await r.waitFor((x) => fast.every((e) => x.events.has(keyOf(e))), 10_000, "50 events");
    expect(await made()).toBe(before);
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_outbox")) === 0, "the delivered events to be deleted");

    // The endpoint fails: the events get deliveries and are retried until it takes them.
    r.respond({ status: 503 });
    const retried = statuses(10, "retried");
    await insertEvents(pool, sealer, retried);
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE last_error = 'HTTP 503'")) === 10, "10 failed deliveries");
    r.respond({ status: 200 });
    await r.waitFor((x) => retried.every((e) => x.events.has(keyOf(e))), 10_000, "the retried events");
    await fastPathOn();
    expect(r.duplicates).toBe(0);
    const endpoint = operatorEndpointId(r.url);
    await eventually(async () => sample(await scrape(service), "waba_webhook_deliveries_total", { endpoint, result: "delivered" }) === 60 + probes, "the metrics");
    expect(sample(await scrape(service), "waba_webhook_deliveries_total", { endpoint, result: "retry" })).toBeGreaterThanOrEqual(10);
  });

  it("delivers an event that commits after later ones were delivered, just behind them and 20,000 ids behind", async () => {
    const r = await receiver({ secret: "s" });
    await dispatcher([{ url: r.url, format: "onprem", secret: "s" }]);
    for (const gap of [0, 20_000]) {
      // The late event takes its id first, in a transaction left open while a later one is delivered.
      const late = statusEvent(`wamid.late${gap}`, "sent");
      await inTransaction(pool, async (client) => {
        const { rows } = await client.query<{ id: string }>("INSERT INTO webhook_outbox (kind, payload) VALUES ($1, $2) RETURNING id", [late.kind, sealer.sealJson(late.payload)]);
        if (gap) await pool.query("SELECT setval('webhook_outbox_id_seq', $1)", [BigInt(rows[0]!.id) + BigInt(gap)]);
        const later = statusEvent(`wamid.later${gap}`, "sent");
        await insertEvents(pool, sealer, [later]);
        await r.waitFor((x) => x.events.has(keyOf(later)), 10_000, "the later event");
        await client.query("SELECT pg_notify($1, '')", [outboxChannel]);
      });
      await r.waitFor((x) => x.events.has(keyOf(late)), 10_000, `the late event ${gap} ids behind`);
    }
  });

  it.each([
    ["plain", false],
    ["sealed (CoreApps before migration 8)", true],
  ])("delivers %s batch rows whole, over POSTs of the batch size, without delivery rows, and retries them after a failure", async (_, sealed) => {
    const r = await receiver({ secret: "s" });
    await writeApplicationSettings(pool, sealer, { backoffMs: 100, maxBackoffMs: 200 });
    const service = await dispatcher([{ url: r.url, format: "onprem", secret: "s" }], { WABA_WEBHOOK_BATCH_SIZE: "20" });
    const fast = [...statuses(100, "fast"), ...Array.from({ length: 5 }, (_, i) => messageEvent(`wamid.in${i}`))];
    const ids = await insertEvents(pool, sealer, fast, { perRow: 7, sealed });
    expect(ids).toHaveLength(16);

    await r.waitFor((x) => fast.every((e) => x.events.has(keyOf(e))), 10_000, "105 events");
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_outbox")) === 0, "the batch rows to be deleted");
    expect(await count("SELECT count(*) AS n FROM webhook_deliveries")).toBe(0);
    expect(Math.max(...r.requests.map((x) => x.keys.length))).toBe(20);

    r.respond({ status: 503 });
    const retried = statuses(30, "retried");
    await insertEvents(pool, sealer, retried, { perRow: 7, sealed });
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE last_error = 'HTTP 503'")) === 5, "5 failed batch rows");
    r.respond({ status: 200 });
    await r.waitFor((x) => retried.every((e) => x.events.has(keyOf(e))), 10_000, "the retried events");
    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_outbox")) === 0, "the retried rows to be deleted");
    expect(r.duplicates).toBe(0);
    const endpoint = operatorEndpointId(r.url);
    await eventually(async () => sample(await scrape(service), "waba_webhook_deliveries_total", { endpoint, result: "delivered" }) === 135, "135 delivered events counted");
    const metrics = await scrape(service);
    expect(sample(metrics, "waba_webhook_fanned_out_events_total")).toBe(135);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "retry" })).toBeGreaterThanOrEqual(30);
  });

  it("makes a batch row that keeps failing a dead letter, counted in events", async () => {
    const r = await receiver();
    r.respond({ status: 500 });
    await writeApplicationSettings(pool, sealer, { backoffMs: 50, maxBackoffMs: 100 });
    const service = await dispatcher([{ url: r.url, format: "onprem", secret: "s" }], { WABA_WEBHOOK_MAX_ATTEMPTS: "2" });
    await insertEvents(pool, sealer, statuses(12), { perRow: 5 });

    await eventually(async () => (await count("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'dead'")) === 3, "3 dead batch rows");
    const endpoint = operatorEndpointId(r.url);
    await eventually(async () => sample(await scrape(service), "waba_webhook_dead_letters", { endpoint }) === 12, "12 dead letters in the gauge");
    const metrics = await scrape(service);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "dead" })).toBe(12);
    expect(sample(metrics, "waba_webhook_deliveries_total", { endpoint, result: "retry" })).toBe(12);
  });

  it("is unready until the schema is there, then ready", async () => {
    const empty = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!);
    const e = webhookEnv(empty.url, []);
    const service = await startWebhook(loadEnv("webhook", e), logger, e, { registry: new Registry() });
    try {
      const readyz = async () => (await fetch(`http://127.0.0.1:${service.port}/readyz`)).status;
      expect((await fetch(`http://127.0.0.1:${service.port}/healthz`)).status).toBe(200);
      expect(await readyz()).toBe(503);
      const emptyPool = poolFromUrl(empty.url);
      await migrate(emptyPool);
      await emptyPool.end();
      await eventually(async () => (await readyz()) === 200, "readiness after migration");
    } finally {
      await service.stop();
      await empty.drop();
    }
  });
});
