// /healthz, /readyz and /metrics for every role. The WebApp mounts `opsHandler` in front of its
// API; the other roles serve it alone with `startOpsServer`.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Registry } from "prom-client";

export type ReadinessCheck = () => boolean | Promise<boolean>;

/** Answers the three ops paths; returns false (and does nothing) for any other request. */
export function opsHandler(registry: Registry, ready: ReadinessCheck) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (req.method !== "GET") return false;
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return true;
    }
    if (path === "/readyz") {
      const ok = await Promise.resolve(ready()).catch(() => false);
      res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" }).end(ok ? "ok" : "not ready");
      return true;
    }
    if (path === "/metrics") {
      const body = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType }).end(body);
      return true;
    }
    return false;
  };
}

export async function startOpsServer(port: number, registry: Registry, ready: ReadinessCheck, host = "0.0.0.0"): Promise<Server> {
  const handle = opsHandler(registry, ready);
  const server = createServer((req, res) => {
    handle(req, res)
      .then((handled) => { if (!handled) res.writeHead(404).end(); })
      .catch(() => { if (!res.headersSent) res.writeHead(500).end(); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return server;
}
