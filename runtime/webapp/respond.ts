// Writing responses: every on-prem JSON answer carries `meta`; errors of either surface go
// through sendError, which never lets an internal message reach the client.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import type { ErrorRequestHandler } from "express";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import { LogThrottle } from "../observability/log-throttle.js";
import type { Logger } from "../observability/logger.js";
import { ApiError, cloudError, onPremError } from "./errors.js";

/** The runtime's version, from the package.json above this module (src or dist). */
function runtimeVersion(): string {
  for (const rel of ["../../package.json", "../../../package.json"]) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "waba-operator" && pkg.version) return pkg.version;
    } catch {
      // not at this level
    }
  }
  return "unknown";
}

export const meta = { version: runtimeVersion(), api_status: "stable" } as const;

const json = "application/json; charset=utf-8";

/** Sends `body` as JSON with `meta` added. */
export function reply(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  sendJson(res, status, { ...body, meta }, headers);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": json, "content-length": Buffer.byteLength(text), ...headers }).end(text);
}

const boot = randomBytes(4).toString("hex");
let sequence = 0;
/** Short unique ids for log lines and 500 answers (cheap: no randomness per request). */
export function nextRequestId(): string {
  sequence += 1;
  return `${boot}-${sequence.toString(36)}`;
}

export type ErrorShape = "onprem" | "cloud";

/** One "database unavailable" warning per second per logger (each client request during an outage fails). */
const unavailableWarnings = new WeakMap<Logger, LogThrottle>();

/**
 * Turns anything thrown into an ApiError; unknown errors are logged here with a request id. The
 * database being out of reach (a restart, a failover) is a 503 with Retry-After, not a 500, and a
 * warning at most once a second (`skipped`: the refusals not logged since the last one).
 */
export function toApiError(err: unknown, where: { method?: string; route?: string }, logger: Logger): { error: ApiError; requestId: string } {
  const requestId = nextRequestId();
  if (err instanceof ApiError) return { error: err, requestId };
  // express' router marks undecodable path parameters with status 400
  if ((err as { status?: unknown } | null)?.status === 400) return { error: new ApiError("invalidRequest", "the request path could not be decoded"), requestId };
  const e = err as { name?: string; message?: string; code?: string } | null;
  if (isDatabaseUnavailable(err)) {
    let throttle = unavailableWarnings.get(logger);
    if (!throttle) unavailableWarnings.set(logger, throttle = new LogThrottle(1000));
    const skipped = throttle.admit();
    if (skipped !== undefined) logger.warn({ requestId, method: where.method, route: where.route, err: { message: e?.message, code: e?.code }, skipped }, "database unavailable");
    return { error: new ApiError("notReady", "the database is unavailable; retry later", { "retry-after": "1" }), requestId };
  }
  logger.error({ requestId, method: where.method, route: where.route, err: { type: e?.name, message: e?.message, code: e?.code } }, "request failed");
  return { error: new ApiError("internal", `request ${requestId} failed; the server logged it`), requestId };
}

/**
 * Answers an error in the surface's shape: on-prem {"errors":[{code,title,details}],"meta"}, Cloud
 * {"error":{message,type,code,error_subcode,fbtrace_id}}. A response already under way is cut.
 */
export function sendError(shape: ErrorShape, res: ServerResponse, err: unknown, where: { method?: string; route?: string }, logger: Logger): void {
  if (res.headersSent) { res.destroy(); return; }
  const { error, requestId } = toApiError(err, where, logger);
  const headers = { "x-request-id": requestId, ...error.headers };
  if (shape === "cloud") sendJson(res, error.entry.status, cloudError(error, requestId), headers);
  else reply(res, error.entry.status, onPremError(error), headers);
}

/** express' error middleware for one surface. */
export function errorHandler(shape: ErrorShape, logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    sendError(shape, res, err, { method: req.method, route: (req.route as { path?: string } | undefined)?.path }, logger);
  };
}
