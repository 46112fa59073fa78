// GET /v1/health, /v1/metrics, /v1/stats/app, /v1/stats/db: users with a token or key pair, or
// monitors with `Authorization: Apikey <WABA_API_KEY>`.
import { Router } from "express";
import { healthOf } from "./cluster-view.js";
import type { WebappContext } from "./context.js";
import { authorize, methodNotAllowed } from "./guard.js";
import { reply } from "./respond.js";
import { outboxBacklog } from "../webhook/outbox.js";

const countsBy = <K extends string>(rows: { k: K; n: string }[]): Record<K, number> =>
  Object.fromEntries(rows.map((r) => [r.k, Number(r.n)])) as Record<K, number>;

export function monitoringRoutes(ctx: WebappContext): Router {
  const router = Router();
  const monitor = authorize(ctx, "monitoring.read");

  router.get("/v1/health", monitor, (_req, res) => {
    reply(res, 200, healthOf(ctx.cluster.snapshot));
  });

  router.get("/v1/metrics", monitor, async (_req, res) => {
    const text = await ctx.registry.metrics();
    res.writeHead(200, { "content-type": ctx.registry.contentType }).end(text);
  });

  router.get("/v1/stats/app", monitor, async (_req, res) => {
    const [messages, deliveries, outbox, inbound] = await Promise.all([
      ctx.pool.query<{ k: string; n: string }>("SELECT status AS k, count(*) AS n FROM messages GROUP BY status"),
      // Events, not rows: an outbox row may hold a batch (migration 7).
      ctx.pool.query<{ k: string; n: string }>(
        "SELECT d.state AS k, sum(coalesce(o.events, 1)) AS n FROM webhook_deliveries d JOIN webhook_outbox o ON o.id = d.event_id GROUP BY d.state"),
      outboxBacklog(ctx.pool),
      ctx.pool.query<{ n: string }>("SELECT count(*) AS n FROM inbound_messages"),
    ]);
    const byStatus = countsBy(messages.rows);
    const byState = countsBy(deliveries.rows);
    reply(res, 200, {
      stats: {
        app: {
          messages: Object.fromEntries(["queued", "sent", "delivered", "read", "failed"].map((s) => [s, byStatus[s] ?? 0])),
          inbound_messages: Number(inbound.rows[0]?.n ?? 0),
          webhooks: {
            pending: byState.pending ?? 0,
            delivered: byState.delivered ?? 0,
            dead: byState.dead ?? 0,
            events_not_fanned_out: outbox,
          },
        },
      },
    });
  });

  router.get("/v1/stats/db", monitor, async (_req, res) => {
    const [size, connections, tables] = await Promise.all([
      ctx.pool.query<{ n: string }>("SELECT pg_database_size(current_database()) AS n"),
      ctx.pool.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"),
      ctx.pool.query<{ name: string; rows: string; bytes: string }>(
        "SELECT relname AS name, n_live_tup AS rows, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables ORDER BY relname",
      ),
    ]);
    reply(res, 200, {
      stats: {
        db: {
          size_bytes: Number(size.rows[0]?.n ?? 0),
          connections: Number(connections.rows[0]?.n ?? 0),
          tables: Object.fromEntries(tables.rows.map((t) => [t.name, { rows_estimate: Number(t.rows), size_bytes: Number(t.bytes) }])),
        },
      },
    });
  });
  router.all(["/v1/health", "/v1/metrics", "/v1/stats/app", "/v1/stats/db"], methodNotAllowed);
  return router;
}
