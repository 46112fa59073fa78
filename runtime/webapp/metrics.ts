// The WebApp's Prometheus metrics (prefix waba_webapp_ / waba_messages_). Registered once per
// registry, so several apps in one process (tests) share them.
import { Counter, Histogram, type Registry } from "prom-client";

export interface WebappMetrics {
  readonly requests: Counter<"route" | "method" | "status">;
  readonly acceptSeconds: Histogram;
  readonly accepted: Counter;
  readonly rateLimited: Counter<"surface">;
  readonly overloaded: Counter;
}

function once<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function webappMetrics(registry: Registry): WebappMetrics {
  const registers = [registry];
  return {
    requests: once(registry, "waba_webapp_requests_total", () => new Counter({
      name: "waba_webapp_requests_total", help: "HTTP requests answered, by route pattern, method and status.", labelNames: ["route", "method", "status"], registers,
    })),
    acceptSeconds: once(registry, "waba_webapp_accept_seconds", () => new Histogram({
      name: "waba_webapp_accept_seconds", help: "Time from a send request's arrival to its answer (the row committed).",
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
    })),
    accepted: once(registry, "waba_messages_accepted_total", () => new Counter({
      name: "waba_messages_accepted_total", help: "Messages accepted (rows inserted or idempotent repeats answered).", registers,
    })),
    rateLimited: once(registry, "waba_webapp_rate_limited_total", () => new Counter({
      name: "waba_webapp_rate_limited_total", help: "Requests refused with 429, by surface (messages or other).", labelNames: ["surface"], registers,
    })),
    overloaded: once(registry, "waba_webapp_overloaded_total", () => new Counter({
      name: "waba_webapp_overloaded_total", help: "Send requests refused with 503 because the owning CoreApp's queue was over the bound.", registers,
    })),
  };
}
