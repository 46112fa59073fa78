// A quick measurement of webhook deliveries per second to a local receiver (the real benchmark is
// bench/'s): a private PostgreSQL, one receiver, the dispatcher in this process. Drains a backlog
// of N status events, then keeps a steady stream flowing and reports the delivery latency.
//   node --import tsx runtime/webhook/testing/measure.ts [events=20000] [batch=100]
import { randomBytes } from "node:crypto";
import { Registry } from "prom-client";
import { loadEnv } from "../../config/env.js";
import { Sealer } from "../../crypto/at-rest.js";
import { migrate } from "../../db/migrate.js";
import { poolFromUrl } from "../../db/pool.js";
import { startPostgres } from "../../db/testing/postgres.js";
import { createLogger } from "../../observability/logger.js";
import { startWebhook } from "../main.js";
import { insertEvents, statusEvent } from "./events.js";
import { webhookEnv } from "./harness.js";
import { startReceiver } from "./receiver.js";

const total = Number(process.argv[2] ?? 20_000);
const batch = process.argv[3] ?? "100";
const key = randomBytes(32).toString("base64");
const server = await startPostgres();
const pool = poolFromUrl(server.url);
await migrate(pool);
const sealer = await Sealer.fromBase64Key(key);
const receiver = await startReceiver({ secret: "measure" });
const env = webhookEnv(server.url, [{ url: receiver.url, format: "onprem", secret: "measure" }], { WABA_ENCRYPTION_KEY: key, WABA_WEBHOOK_BATCH_SIZE: batch });
const registry = new Registry();
try {
  for (let i = 0; i < total; i += 1000) {
    await insertEvents(pool, sealer, Array.from({ length: Math.min(1000, total - i) }, (_, j) => statusEvent(`wamid.a${i + j}`, "delivered")));
  }
  const service = await startWebhook(loadEnv("webhook", env), createLogger({ role: "webhook", level: "warn" }), env, { registry });
  const started = Date.now();
  await receiver.waitFor((r) => r.events.size >= total, 600_000, "the backlog");
  const seconds = (Date.now() - started) / 1000;
  console.log(`backlog: ${total} events in ${seconds.toFixed(2)} s = ${Math.round(total / seconds)} deliveries/s, ${receiver.requests.length} POSTs (batch ${batch})`);

  // Steady stream: 1000 events/s in 50 ms slices, for 10 s.
  const before = receiver.events.size;
  const latency = service.dispatcher.metrics.latency;
  latency.reset();
  const streamStart = Date.now();
  for (let slice = 0; slice < 200; slice++) {
    await insertEvents(pool, sealer, Array.from({ length: 50 }, (_, j) => statusEvent(`wamid.s${slice}x${j}`, "delivered")));
    const next = streamStart + (slice + 1) * 50;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
  }
  await receiver.waitFor((r) => r.events.size >= before + 10_000, 120_000, "the stream");
  const streamSeconds = (Date.now() - streamStart) / 1000;
  const buckets = (await latency.get()).values.filter((v) => v.metricName?.endsWith("_bucket"));
  const quantile = (q: number) => String((buckets.find((b) => b.value >= q * 10_000)?.labels as { le?: number } | undefined)?.le);
  console.log(`stream: 10000 events at 1000/s delivered in ${streamSeconds.toFixed(2)} s; latency p50 <= ${quantile(0.5)} s, p99 <= ${quantile(0.99)} s; duplicates ${receiver.duplicates}`);
  await service.stop();
} finally {
  await receiver.close();
  await pool.end();
  await server.stop();
}
