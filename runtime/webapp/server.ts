// The `webapp` role: the API on WABA_PORT, over HTTPS when WABA_TLS_CERT_FILE and
// WABA_TLS_KEY_FILE are set (both or neither), plus /healthz, /readyz and /metrics on the same port.
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { RoleConfig } from "../config/env.js";
import { ConfigError } from "../config/env.js";
import type { Service } from "../main.js";
import type { Logger } from "../observability/logger.js";
import { buildWebapp, type Webapp, type WebappOptions } from "./app.js";

export interface RunningWebapp extends Service {
  readonly port: number;
  /** http(s)://127.0.0.1:port */
  readonly url: string;
  readonly webapp: Webapp;
}

export async function startWebapp(config: RoleConfig<"webapp">, logger: Logger, _env: NodeJS.ProcessEnv = process.env, options: WebappOptions = {}): Promise<RunningWebapp> {
  const cert = config.WABA_TLS_CERT_FILE;
  const key = config.WABA_TLS_KEY_FILE;
  if ((cert === undefined) !== (key === undefined)) throw new ConfigError("WABA_TLS_CERT_FILE and WABA_TLS_KEY_FILE: set both or neither");
  const tls = cert && key ? { cert: readFileSync(cert), key: readFileSync(key) } : undefined;
  const webapp = await buildWebapp(config, logger, options);
  const server: Server = tls ? createHttpsServer(tls, webapp.handler) : createHttpServer(webapp.handler);
  server.keepAliveTimeout = 65_000; // above common load balancers' idle timeouts
  server.headersTimeout = 66_000;
  server.requestTimeout = 120_000; // large media uploads
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.WABA_PORT, resolve);
    });
  } catch (err) {
    await webapp.stop();
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, tls: Boolean(tls) }, "webapp listening");
  return {
    port,
    url: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    webapp,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => { resolve(); }));
      server.closeIdleConnections();
      // in-flight requests get a moment to finish (their messages are committed by the batcher)
      const grace = setTimeout(() => { server.closeAllConnections(); }, 5000);
      await closed;
      clearTimeout(grace);
      await webapp.stop();
    },
  };
}
