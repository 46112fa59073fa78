// This node's report in coreapp_nodes (read by the WebApp for /v1/health and overload checks):
// gateway status, the shard it owns, and the queue depth of that shard.
import type pg from "pg";
import type { GatewayStatus } from "../gateway/connection.js";

export interface NodeReport {
  readonly nodeId: string;
  readonly generation: number | null;
  readonly shard: number | null;
  readonly gatewayStatus: GatewayStatus | "uninitialized";
  readonly queueDepth: number;
}

export async function reportNode(pool: pg.Pool, report: NodeReport, first: boolean): Promise<void> {
  await pool.query({
    name: "waba_coreapp_heartbeat",
    text: `INSERT INTO coreapp_nodes (node_id, generation, shard, gateway_status, queue_depth) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (node_id) DO UPDATE SET generation = $2, shard = $3, gateway_status = $4, queue_depth = $5, heartbeat_at = now(),
             started_at = CASE WHEN $6 THEN now() ELSE coreapp_nodes.started_at END`,
    values: [report.nodeId, report.generation, report.shard, report.gatewayStatus, report.queueDepth, first],
  });
}

/** A node that stops gracefully leaves the report. */
export async function removeNode(pool: pg.Pool, nodeId: string): Promise<void> {
  await pool.query("DELETE FROM coreapp_nodes WHERE node_id = $1", [nodeId]);
}
