// The CoreApp's metrics, in a registry of its own (merged with the process defaults for
// /metrics), so several CoreApps can run in one test process.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { metricsRegistry } from "../observability/metrics.js";

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function coreappMetrics() {
  const registry = new Registry();
  const registers = [registry];
  const metrics = {
    registry,
    sent: new Counter({ name: "waba_coreapp_messages_sent_total", help: "Messages the network acknowledged (status sent).", registers }),
    delivered: new Counter({ name: "waba_coreapp_messages_delivered_total", help: "Delivered receipts recorded.", registers }),
    read: new Counter({ name: "waba_coreapp_messages_read_total", help: "Read receipts recorded.", registers }),
    failed: new Counter({ name: "waba_coreapp_messages_failed_total", help: "Messages that failed (refused by the network or not sendable).", registers }),
    inbound: new Counter({ name: "waba_coreapp_inbound_messages_total", help: "Inbound messages stored.", registers }),
    acceptToSent: new Histogram({ name: "waba_coreapp_accept_to_sent_seconds", help: "From accept (messages.created_at) to the network's acknowledgement.", buckets: latencyBuckets, registers }),
    acceptToDelivered: new Histogram({ name: "waba_coreapp_accept_to_delivered_seconds", help: "From accept to the delivered receipt.", buckets: latencyBuckets, registers }),
    queueDepth: new Gauge({ name: "waba_coreapp_queue_depth", help: "Queued messages of the owned shard's buckets.", registers }),
    inflight: new Gauge({ name: "waba_coreapp_inflight_messages", help: "Messages sent and not yet acknowledged.", registers }),
    leaseChanges: new Counter({ name: "waba_coreapp_lease_changes_total", help: "Shard lease changes of this node.", labelNames: ["change"] as const, registers }),
    shard: new Gauge({ name: "waba_coreapp_shard", help: "The shard this node owns (-1: a spare).", registers }),
    gatewayConnected: new Gauge({ name: "waba_coreapp_gateway_connected", help: "1 while connected to the WhatsApp network.", registers }),
    reconnects: new Counter({ name: "waba_coreapp_gateway_reconnects_total", help: "Connections to the network after the first.", registers }),
    resends: new Counter({ name: "waba_coreapp_resends_total", help: "Messages sent again (after a reconnect or an acknowledgement timeout).", registers }),
    writeSeconds: new Histogram({ name: "waba_coreapp_write_batch_seconds", help: "Duration of one batched state-change statement.", buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1], registers }),
  };
  metrics.shard.set(-1);
  return metrics;
}

export type CoreappMetrics = ReturnType<typeof coreappMetrics>;

/** The registry /metrics serves: process defaults plus this CoreApp's. */
export function servedRegistry(metrics: CoreappMetrics): Registry {
  return Registry.merge([metricsRegistry(), metrics.registry]);
}
