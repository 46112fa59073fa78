// What the WebApp knows of the CoreApps: the current shard map and each node's report
// (coreapp_nodes: gateway status, shard, queue depth, heartbeat). Refreshed in the background
// every `refreshMs` (500 ms), so neither overload decisions (503) nor /v1/health query the
// database per request. The functions below the class are pure.
import { hostname } from "node:os";
import type pg from "pg";
import type { ShardCount } from "../sharding/hash.js";
import { startPoller, type Poller } from "./poller.js";

export type GatewayStatus = "connected" | "connecting" | "disconnected" | "uninitialized" | "unregistered";

export interface NodeReport {
  readonly nodeId: string;
  readonly generation: number | null;
  readonly shard: number | null;
  readonly gatewayStatus: GatewayStatus;
  readonly queueDepth: number;
  /** Seconds since the node's last heartbeat. */
  readonly age: number;
}

export interface ClusterSnapshot {
  readonly generation: number | undefined;
  readonly shards: ShardCount | undefined;
  readonly nodes: readonly NodeReport[];
}

/** A node whose heartbeat is older is reported disconnected and ignored for overload. */
export const unhealthyAfterSeconds = 30;
/** A node silent for longer is gone: left out of /v1/health. */
export const goneAfterSeconds = 300;

export class ClusterView {
  private current: ClusterSnapshot = { generation: undefined, shards: undefined, nodes: [] };
  private depths = new Map<number, number>();
  private poller: Poller | undefined;

  constructor(private readonly pool: pg.Pool, private readonly overloadDepth: number) {}

  /** Starts refreshing every `refreshMs`; resolves after the first successful refresh. */
  start(refreshMs: number, onError: (err: unknown) => void): Promise<void> {
    this.poller ??= startPoller(() => this.refresh(), refreshMs, onError);
    return this.poller.ready;
  }

  get snapshot(): ClusterSnapshot {
    return this.current;
  }

  /** Refreshes at once (after a change made here, and in tests). */
  async refreshNow(): Promise<void> {
    await (this.poller ? this.poller.refreshNow() : this.refresh());
  }

  /** True when the CoreApp owning this bucket reports more queued messages than the bound. */
  overloaded(bucket: number): boolean {
    const shards = this.current.shards;
    if (!shards || this.depths.size === 0) return false;
    return (this.depths.get(bucket % shards) ?? 0) > this.overloadDepth;
  }

  async stop(): Promise<void> {
    await this.poller?.stop();
  }

  private async refresh(): Promise<void> {
    const [map, nodes] = await Promise.all([
      this.pool.query<{ generation: string; shards: number }>("SELECT generation, shards FROM shard_map ORDER BY generation DESC LIMIT 1"),
      this.pool.query<{ node_id: string; generation: string | null; shard: number | null; gateway_status: GatewayStatus; queue_depth: number; age: number }>(
        "SELECT node_id, generation, shard, gateway_status, queue_depth, extract(epoch FROM now() - heartbeat_at)::float8 AS age FROM coreapp_nodes ORDER BY node_id",
      ),
    ]);
    const top = map.rows[0];
    this.current = {
      generation: top ? Number(top.generation) : undefined,
      shards: top?.shards as ShardCount | undefined,
      nodes: nodes.rows.map((r) => ({
        nodeId: r.node_id, generation: r.generation === null ? null : Number(r.generation), shard: r.shard,
        gatewayStatus: r.gateway_status, queueDepth: r.queue_depth, age: r.age,
      })),
    };
    this.depths = ownerDepths(this.current);
  }
}

/** Queue depth per shard of the current generation, from owners with a fresh heartbeat. */
export function ownerDepths(snapshot: ClusterSnapshot): Map<number, number> {
  const depths = new Map<number, number>();
  for (const node of snapshot.nodes) {
    if (node.shard === null || node.generation !== snapshot.generation || node.age > unhealthyAfterSeconds) continue;
    depths.set(node.shard, Math.max(depths.get(node.shard) ?? 0, node.queueDepth));
  }
  return depths;
}

export type NodeHealth = { gateway_status: GatewayStatus; role: "coreapp" | "spare" | "webapp"; shard?: number };
export type HealthBody = { health: { gateway_status: GatewayStatus } | Record<string, NodeHealth> };

/**
 * The /v1/health answer. One CoreApp: the on-prem single-node shape {"gateway_status"}. Several:
 * keyed by node id ("hostname:id" as the CoreApp reports it), shard owners with role "coreapp"
 * and their shard, spares with role "spare", plus this WebApp with the instance's overall status
 * (connected only when every shard has a connected owner).
 */
export function healthOf(snapshot: ClusterSnapshot, self = `${hostname()}:webapp`): HealthBody {
  const nodes = snapshot.nodes.filter((n) => n.age <= goneAfterSeconds);
  const statusOf = (n: NodeReport): GatewayStatus => (n.age > unhealthyAfterSeconds ? "disconnected" : n.gatewayStatus);
  if (nodes.length === 0) return { health: { gateway_status: "uninitialized" } };
  const [only] = nodes;
  if (nodes.length === 1 && only) return { health: { gateway_status: statusOf(only) } };
  const health: Record<string, NodeHealth> = {};
  const ownerStatus = new Map<number, GatewayStatus>();
  for (const n of nodes) {
    const shard = n.generation === snapshot.generation ? n.shard : null;
    health[n.nodeId] = shard === null ? { gateway_status: statusOf(n), role: "spare" } : { gateway_status: statusOf(n), role: "coreapp", shard };
    if (shard !== null && ownerStatus.get(shard) !== "connected") ownerStatus.set(shard, statusOf(n));
  }
  health[self] = { gateway_status: overallStatus(snapshot.shards ?? 0, ownerStatus), role: "webapp" };
  return { health };
}

function overallStatus(shards: number, owners: Map<number, GatewayStatus>): GatewayStatus {
  const statuses = Array.from({ length: shards }, (_, s) => owners.get(s) ?? "disconnected");
  if (statuses.length > 0 && statuses.every((s) => s === "connected")) return "connected";
  if (statuses.some((s) => s === "connecting")) return "connecting";
  return "disconnected";
}
