// The validating admission webhook's HTTPS server: POST /validate-wabainstance (AdmissionReview v1)
// and GET /healthz. Every replica serves it, leader or not: validation reads only the informer
// cache. The certificate is re-read when its files change (cert-manager rotation needs no restart).
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter } from "prom-client";
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import type { Logger } from "../controller/logger.js";
import type { OperatorMetrics } from "../controller/metrics.js";
import { readKeyPair, watchKeyPair, type KeyPair } from "./certificate-files.js";
import { answerReview, type ReviewAnswer } from "./review.js";

export const validatePath = "/validate-wabainstance";
/**
 * Largest request body read. An UPDATE review carries the object twice, each at most etcd's
 * 1.5 MiB; anything beyond is not from the API server.
 */
export const maxBodyBytes = 4 * 1024 * 1024;

export interface AdmissionServerOptions {
  /** 0 = any free port (tests). */
  port: number;
  /** @default "0.0.0.0" */
  host?: string;
  /** PEM, re-read when the file changes (cert rotation). */
  certFile: string;
  keyFile: string;
  config: OperatorConfig;
  /** Every WabaInstance the operator currently knows (informer cache; runs on followers too). */
  instances: () => readonly WabaInstance[];
  logger: Logger;
  metrics?: OperatorMetrics;
  /** How often the certificate files are checked for a change. @default 1000 */
  certReloadIntervalMs?: number;
}

export interface AdmissionServer {
  readonly port: number;
  close(): Promise<void>;
}

type Result = ReviewAnswer["result"] | "error";
type Count = (operation: string, result: Result) => void;

/**
 * `<prefix>_admission_requests_total{operation,result}` on the operator's registry, under the
 * prefix of its other metrics; result: allowed, warned, denied, malformed (HTTP 400) or error.
 */
async function requestCounter(metrics: OperatorMetrics | undefined): Promise<Count> {
  if (!metrics) return () => undefined;
  const prefix = (await metrics.reconcileTotal.get()).name.replace(/_reconcile_total$/, "");
  const name = `${prefix}_admission_requests_total`;
  const counter =
    (metrics.registry.getSingleMetric(name) as Counter<"operation" | "result"> | undefined) ??
    new Counter({ name, help: "Admission reviews answered, by operation and result.", labelNames: ["operation", "result"], registers: [metrics.registry] });
  return (operation, result) => { counter.inc({ operation, result }); };
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > maxBodyBytes) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new BodyTooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const type = typeof body === "string" ? "text/plain; charset=utf-8" : "application/json";
  res.writeHead(status, { "content-type": type, ...headers }).end(text);
}

const tlsOptions = (pair: KeyPair) => ({ ...pair, minVersion: "TLSv1.2" as const });

export async function startAdmissionServer(o: AdmissionServerOptions): Promise<AdmissionServer> {
  const { config, instances, logger } = o;
  const log = logger.child({ component: "admission" });
  const count = await requestCounter(o.metrics);
  const files = { certFile: o.certFile, keyFile: o.keyFile };
  const pair = readKeyPair(files);

  async function review(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== "POST") { send(res, 405, "method not allowed\n", { allow: "POST" }); return; }
    if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) { send(res, 415, "an AdmissionReview is sent as application/json\n"); return; }
    let text: string;
    try {
      text = (await readBody(req)).toString("utf8");
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      count("unknown", "malformed");
      send(res, 413, `a review is at most ${maxBodyBytes} bytes\n`, { connection: "close" });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (e) {
      count("unknown", "malformed");
      send(res, 400, `malformed AdmissionReview: not JSON (${(e as Error).message})\n`);
      return;
    }
    const answer = answerReview(body, instances, config);
    const { request, decision } = answer;
    count(request?.operation ?? "unknown", answer.result);
    if (answer.result === "malformed") log.warn({ request, status: answer.httpStatus }, "malformed admission review");
    else if (answer.ignored) log.warn({ request }, "admission review for a resource this webhook does not validate: allowed (check the webhook configuration's rules)");
    else if (answer.result === "denied") log.info({ request, message: decision?.message }, "admission denied");
    else log.debug({ request, warnings: decision?.warnings }, "admission allowed");
    send(res, answer.httpStatus, answer.body);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/healthz") {
      if (req.method === "GET" || req.method === "HEAD") send(res, 200, "ok\n");
      else send(res, 405, "method not allowed\n", { allow: "GET, HEAD" });
      return;
    }
    if (path !== validatePath) { send(res, 404, "not found\n"); return; }
    review(req, res).catch((e: unknown) => {
      count("unknown", "error");
      log.error({ err: e }, "admission review failed");
      if (res.headersSent) res.destroy();
      else send(res, 500, "internal error\n");
    });
  }

  const server: Server = createServer(tlsOptions(pair), handle);
  // The API server keeps idle connections for 90 s; closing them first would race its next request.
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on("tlsClientError", (err) => { log.debug({ err }, "TLS handshake failed"); });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host ?? "0.0.0.0", () => { server.off("error", reject); resolve(); });
  });
  const stopWatching = watchKeyPair({
    ...files,
    current: pair,
    intervalMs: o.certReloadIntervalMs ?? 1000,
    onChange: (next) => {
      server.setSecureContext(tlsOptions(next));
      log.info({ certFile: o.certFile }, "serving the new webhook certificate");
    },
    onError: (err) => { log.warn({ err }, "keeping the current webhook certificate"); },
  });
  const { port } = server.address() as AddressInfo;
  log.info({ port, path: validatePath }, "admission webhook serving");
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        stopWatching();
        server.close(() => { resolve(); });
        server.closeAllConnections();
      }),
  };
}
