// The dispatcher's Prometheus metrics. The gauges are read from the database at scrape time, so
// every replica reports the same instance-wide values (aggregate them with max, not sum); when
// the database cannot be read they keep their last values.
import type pg from "pg";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { deliveryCounts, outboxBacklog } from "./outbox.js";

export type DeliveryResult = "delivered" | "retry" | "dead";

export interface WebhookMetrics {
  /** Attempts to deliver an event to an endpoint, by result. */
  readonly deliveries: Counter<"endpoint" | "result">;
  /** POSTs by result. */
  readonly requests: Counter<"endpoint" | "result">;
  readonly fannedOut: Counter;
  /** Event created → delivered to an endpoint. */
  readonly latency: Histogram<"endpoint">;
}

export function webhookMetrics(registry: Registry, db: pg.Pool): WebhookMetrics {
  const registers = [registry];
  const perEndpoint = (name: string, help: string, state: "pending" | "dead") => {
    const gauge: Gauge<"endpoint"> = new Gauge({
      name, help, labelNames: ["endpoint"], registers,
      async collect() {
        const counts = await deliveryCounts(db, state).catch(() => undefined);
        if (!counts) return;
        gauge.reset();
        for (const [endpoint, n] of counts) gauge.set({ endpoint }, n);
      },
    });
  };
  new Gauge({
    name: "waba_webhook_outbox_backlog", help: "Webhook events not yet fanned out to endpoints.", registers,
    async collect() {
      const n = await outboxBacklog(db).catch(() => undefined);
      if (n !== undefined) this.set(n);
    },
  });
  perEndpoint("waba_webhook_pending_deliveries", "Webhook deliveries waiting for a first or a further attempt.", "pending");
  perEndpoint("waba_webhook_dead_letters", "Webhook deliveries given up (dead letters) and still kept.", "dead");
  return {
    deliveries: new Counter({ name: "waba_webhook_deliveries_total", help: "Attempts to deliver a webhook event to an endpoint, by result (delivered, retry, dead).", labelNames: ["endpoint", "result"], registers }),
    requests: new Counter({ name: "waba_webhook_requests_total", help: "Webhook POSTs by result (ok, http, timeout, connection).", labelNames: ["endpoint", "result"], registers }),
    fannedOut: new Counter({ name: "waba_webhook_fanned_out_events_total", help: "Webhook events taken from the outbox by this process.", registers }),
    latency: new Histogram({
      name: "waba_webhook_delivery_latency_seconds", help: "From a webhook event's creation to its delivery to an endpoint.", labelNames: ["endpoint"], registers,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400, 604_800],
    }),
  };
}
