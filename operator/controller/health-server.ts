// The operator's HTTP endpoints: /healthz (the process is alive), /readyz (every informer has
// synced — on leaders and followers alike, so a follower is ready to take over), /metrics.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface HealthServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** @default "0.0.0.0" (kubelet probes and Prometheus reach the pod IP) */
  readonly host?: string;
  readonly registry: Registry;
  /** Ready to serve: informers synced. */
  readonly ready: () => boolean;
}

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, type = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": type }).end(body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") { send(405, "method not allowed\n"); return; }
    switch (path) {
      case "/healthz": send(200, "ok\n"); return;
      case "/readyz": if (options.ready()) send(200, "ok\n"); else send(503, "informers not synced\n"); return;
      case "/metrics":
        options.registry.metrics().then((text) => { send(200, text, options.registry.contentType); }, () => { send(500, "metrics unavailable\n"); });
        return;
      default: send(404, "not found\n");
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "0.0.0.0", () => { server.off("error", reject); resolve(); });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => { resolve(); });
      server.closeAllConnections();
    }),
  };
}
