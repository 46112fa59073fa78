import { randomBytes } from "node:crypto";
import { jest } from "@jest/globals";
import type pg from "pg";
import { Registry } from "prom-client";
import { loadEnv } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { migrate } from "../db/migrate.js";
import { poolFromUrl } from "../db/pool.js";
import { createTestDatabase, startPostgres, type PostgresServer } from "../db/testing/postgres.js";
import { createLogger } from "../observability/logger.js";
import { startWebhook, type WebhookService } from "./main.js";
import { insertEvents, statusEvent } from "./testing/events.js";
import { webhookEnv } from "./testing/harness.js";
import { spawnRole, type RoleProcess } from "./testing/process.js";
import { startReceiver, type WebhookReceiver } from "./testing/receiver.js";

jest.setTimeout(120_000);
const key = randomBytes(32).toString("base64");
const events = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => statusEvent(`wamid.${prefix}${i}`, "delivered"));
const allArrived = (r: WebhookReceiver, prefixes: Record<string, number>) =>
  Object.entries(prefixes).every(([prefix, n]) => Array.from({ length: n }, (_, i) => `status:wamid.${prefix}${i}:delivered`).every((k) => r.events.has(k)));

describe("the webhook dispatcher across crashes", () => {
  let receiver: WebhookReceiver;
  let sealer: Sealer;
  beforeEach(async () => {
    receiver = await startReceiver({ secret: "crash-secret" });
    sealer = await Sealer.fromBase64Key(key);
  });
  afterEach(async () => {
    await receiver.close();
  });

  describe("of its own process", () => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let pool: pg.Pool;
    const processes: RoleProcess[] = [];
    beforeEach(async () => {
      db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!);
      pool = poolFromUrl(db.url);
      await migrate(pool);
    });
    afterEach(async () => {
      await Promise.all(processes.splice(0).map((p) => p.kill("SIGKILL")));
      await pool.end();
      await db.drop();
    });

    it("delivers every event after being killed with SIGKILL mid-flight and started again", async () => {
      const env = webhookEnv(db.url, [{ url: receiver.url, format: "onprem", secret: "crash-secret" }], {
        WABA_ENCRYPTION_KEY: key, WABA_WEBHOOK_BATCH_SIZE: "10", WABA_WEBHOOK_TIMEOUT_MS: "1000", WABA_LOG_LEVEL: "info",
      });
      receiver.respond({ status: 200, delayMs: 50 });
      await insertEvents(pool, sealer, events(3000, "a"));
      const first = spawnRole("webhook", env);
      processes.push(first);
      await receiver.waitFor((r) => r.events.size >= 300, 60_000, "300 events before the kill").catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${first.output()}`);
      });
      expect(await first.kill("SIGKILL")).toBe("SIGKILL");
      const atKill = receiver.events.size;
      expect(atKill).toBeLessThan(3000);
      // Some events were claimed (POSTed or about to be) by the killed process: on the fast path
      // (a claim on the outbox row) or as deliveries.
      const claimed = await pool.query<{ n: string }>(`SELECT (SELECT count(*) FROM webhook_outbox WHERE claimed_until IS NOT NULL)
        + (SELECT count(*) FROM webhook_deliveries WHERE state = 'pending' AND attempts > 0) AS n`);
      expect(Number(claimed.rows[0]!.n)).toBeGreaterThan(0);
      await insertEvents(pool, sealer, events(500, "b"));

      const second = spawnRole("webhook", env);
      processes.push(second);
      await receiver.waitFor((r) => allArrived(r, { a: 3000, b: 500 }), 90_000, "every event after the restart").catch((err: unknown) => {
        throw new Error(`${(err as Error).message}\n${second.output()}`);
      });
      expect(receiver.badSignatures).toBe(0);
      // The webhook secret never reaches the logs.
      expect(first.output() + second.output()).not.toContain("crash-secret");
    });
  });

  describe("of the database", () => {
    let server: PostgresServer;
    let pool: pg.Pool;
    let service: WebhookService | undefined;
    beforeEach(async () => {
      server = await startPostgres();
      pool = poolFromUrl(server.url);
      pool.on("error", () => undefined); // idle connections die with the restart
      await migrate(pool);
    });
    afterEach(async () => {
      await service?.stop();
      await pool.end();
      await server.stop();
    });

    it("recovers without a restart of its own and delivers every event", async () => {
      const env = webhookEnv(server.url, [{ url: receiver.url, format: "cloud", secret: "crash-secret" }], { WABA_ENCRYPTION_KEY: key, WABA_WEBHOOK_BATCH_SIZE: "10" });
      const logger = createLogger({ role: "webhook", level: "silent" });
      service = await startWebhook(loadEnv("webhook", env), logger, env, { registry: new Registry(), pollMs: 250 });
      // Slow enough (~300 events/s) that the restart comes while most of them are still waiting.
      receiver.respond({ status: 200, delayMs: 200 });
      await insertEvents(pool, sealer, events(1500, "a"));
      await receiver.waitFor((r) => r.events.size >= 100, 30_000, "100 events before the restart");

      await server.restart();
      expect(receiver.events.size).toBeLessThan(1500);
      await insertEvents(pool, sealer, events(500, "b"));

      await receiver.waitFor((r) => allArrived(r, { a: 1500, b: 500 }), 60_000, "every event after the database restart");
      expect((await fetch(`http://127.0.0.1:${service.port}/readyz`)).status).toBe(200);
    });
  });
});
