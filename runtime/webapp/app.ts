// Builds the WebApp: its parts (auth, caches, batcher, cluster view), the express app with the
// /v1 routes and the Cloud surface, and one request listener that answers the send endpoints
// itself (messages/send.ts: the hot path skips express), /healthz, /readyz and /metrics, and
// hands everything else to express. The API answers 503 until the schema is there and the in-memory views (revoked
// tokens, CoreApp reports) have loaded once.
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import express, { type RequestHandler } from "express";
import type pg from "pg";
import type { Registry } from "prom-client";
import type { RoleConfig } from "../config/env.js";
import { Sealer } from "../crypto/at-rest.js";
import { schemaVersion, waitForSchema } from "../db/migrate.js";
import { latestVersion } from "../db/migrations/index.js";
import { createPool } from "../db/pool.js";
import { KeyDirectory } from "../gateway/key-directory.js";
import { MediaStore } from "../media/store.js";
import type { Logger } from "../observability/logger.js";
import { metricsRegistry } from "../observability/metrics.js";
import { opsHandler } from "../observability/ops-server.js";
import { ApiError } from "./errors.js";
import { ApiKeyVerifier } from "./auth/api-keys.js";
import { Authenticator } from "./auth/authenticator.js";
import { RevocationList } from "./auth/revocations.js";
import { TokenSigner } from "./auth/tokens.js";
import { cloudRoutes } from "./cloud/routes.js";
import { ClusterView } from "./cluster-view.js";
import { contactRoutes } from "./contacts.js";
import type { KeyLookup, WebappContext } from "./context.js";
import { mediaRoutes } from "./media/routes.js";
import { defaultBatching, MessageAcceptor } from "./messages/accept.js";
import type { BatcherOptions } from "./messages/batcher.js";
import { messageRoutes } from "./messages/routes.js";
import { cloudVersion, handleSend, sendRouteOf } from "./messages/send.js";
import { webappMetrics } from "./metrics.js";
import { monitoringRoutes } from "./monitoring.js";
import { KeyedRateLimiter, type RateLimit } from "./rate-limit.js";
import { errorHandler, sendError } from "./respond.js";
import { settingsRoutes } from "./settings/routes.js";
import { shardRoutes } from "./shards.js";
import { userRoutes } from "./users/routes.js";

export interface WebappOptions {
  /** The clock of tokens and rate limits (tests move it). Default Date.now. */
  readonly now?: () => number;
  /** Who is on WhatsApp. Default: the gateway's key directory (WABA_GATEWAY_URL). */
  readonly keys?: KeyLookup;
  /** A pool to use instead of one built from the config (tests wrap it to count statements). */
  readonly pool?: pg.Pool;
  readonly batching?: BatcherOptions;
  /** Every endpoint but sends, per client. Default 20/s, burst 60 (the on-prem client's). */
  readonly otherRateLimit?: RateLimit;
  /** A CoreApp reporting more queued messages than this gets no more (503). Default 10 000. */
  readonly overloadQueueDepth?: number;
  readonly clusterRefreshMs?: number;
  readonly revocationPollMs?: number;
  readonly userTtlMs?: number;
  readonly registry?: Registry;
}

export interface Webapp {
  readonly handler: RequestListener;
  readonly context: WebappContext;
  /** Resolves when the API serves (schema present, views loaded). */
  readonly started: Promise<void>;
  stop(): Promise<void>;
}

const opsPaths = new Set(["/healthz", "/readyz", "/metrics"]);

export async function buildWebapp(config: RoleConfig<"webapp">, logger: Logger, options: WebappOptions = {}): Promise<Webapp> {
  const ownPool = options.pool === undefined;
  const pool = options.pool ?? createPool(config, logger, { max: 20, applicationName: "waba-webapp" });
  const sealer = await Sealer.fromBase64Key(config.WABA_ENCRYPTION_KEY);
  const now = options.now ?? Date.now;
  const signer = new TokenSigner(config.WABA_TOKEN_SIGNING_KEY);
  const revocations = new RevocationList(pool);
  const registry = options.registry ?? metricsRegistry();
  const keys = options.keys ?? new KeyDirectory(config.WABA_GATEWAY_URL);
  const ctx: WebappContext = {
    config, pool, logger, sealer, signer, revocations, registry, now,
    media: new MediaStore(config.WABA_MEDIA_DIR, sealer),
    auth: new Authenticator({ pool, signer, revocations, apiKeys: new ApiKeyVerifier(pool), monitoringKey: config.WABA_API_KEY, now, userTtlMs: options.userTtlMs }),
    cluster: new ClusterView(pool, options.overloadQueueDepth ?? 10_000),
    acceptor: new MessageAcceptor(pool, sealer, options.batching ?? defaultBatching),
    keys,
    sendLimiter: new KeyedRateLimiter({ ratePerSecond: config.WABA_RATE_LIMIT_PER_SECOND, burst: config.WABA_RATE_LIMIT_BURST }),
    otherLimiter: new KeyedRateLimiter(options.otherRateLimit ?? { ratePerSecond: 20, burst: 60 }),
    metrics: webappMetrics(registry),
    background: new Set(),
  };

  let serving = false;
  const abort = new AbortController();
  const onPollError = (what: string) => (err: unknown) => { logger.warn({ err: { message: (err as Error).message } }, `refreshing ${what} failed`); };
  const started = (async () => {
    await waitForSchema(pool, abort.signal);
    await Promise.all([
      revocations.start(options.revocationPollMs ?? 1000, onPollError("revoked tokens")),
      ctx.cluster.start(options.clusterRefreshMs ?? 500, onPollError("CoreApp reports")),
    ]);
    serving = true;
  })();
  started.catch(() => undefined);

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use(observe(ctx, () => serving));
  app.use(messageRoutes(ctx), userRoutes(ctx), contactRoutes(ctx), mediaRoutes(ctx), settingsRoutes(ctx), shardRoutes(ctx), monitoringRoutes(ctx));
  app.use(cloudRoutes(ctx));
  app.use(noRoute(logger));
  app.use(errorHandler("onprem", logger));

  const ops = opsHandler(registry, async () => serving && (await schemaVersion(pool)) >= latestVersion);
  const handler: RequestListener = (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === "GET" && opsPaths.has((req.url ?? "/").split("?", 1)[0] ?? "")) {
      ops(req, res).catch(() => { if (!res.headersSent) res.writeHead(500).end(); });
      return;
    }
    const send = sendRouteOf(req.method, req.url);
    if (send) handleSend(ctx, send, req, res, serving);
    else app(req, res);
  };

  return {
    handler,
    context: ctx,
    started,
    async stop() {
      abort.abort();
      serving = false;
      await ctx.acceptor.close();
      await Promise.allSettled([...ctx.background]);
      await Promise.all([revocations.stop(), ctx.cluster.stop(), options.keys ? undefined : (keys as KeyDirectory).close()]);
      if (ownPool) await pool.end();
    },
  };
}

/** First middleware: 503 until serving; requests counted by route pattern when answered. */
function observe(ctx: WebappContext, serving: () => boolean): RequestHandler {
  return (req, res, next) => {
    res.once("finish", () => {
      ctx.metrics.requests.inc({ route: (req.route as { path?: string } | undefined)?.path ?? "unmatched", method: req.method, status: res.statusCode });
    });
    if (!serving()) throw new ApiError("notReady", "the WebApp is starting (waiting for the database schema)");
    next();
  };
}

/** No route matched: 404 in the shape of the surface the path belongs to. */
function noRoute(logger: Logger): RequestHandler {
  return (req, res) => {
    const error = new ApiError("notFound", `no endpoint ${req.method} ${req.path.slice(0, 200)}`);
    sendError(cloudVersion.test(req.path.split("/")[1] ?? "") ? "cloud" : "onprem", res, error, { method: req.method }, logger);
  };
}
