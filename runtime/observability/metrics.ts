// The process's Prometheus registry; every role's metrics are prefixed `waba_`.
import { collectDefaultMetrics, register, type Registry } from "prom-client";

let defaultsCollected = false;

export function metricsRegistry(): Registry {
  if (!defaultsCollected) {
    collectDefaultMetrics({ prefix: "waba_" });
    defaultsCollected = true;
  }
  return register;
}
