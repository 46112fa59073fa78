import { healthOf, ownerDepths, type ClusterSnapshot, type NodeReport } from "./cluster-view.js";

const node = (nodeId: string, over: Partial<NodeReport> = {}): NodeReport => ({
  nodeId, generation: 2, shard: null, gatewayStatus: "connected", queueDepth: 0, age: 1, ...over,
});

describe("the CoreApps' health", () => {
  it("is uninitialized before any CoreApp reported", () => {
    expect(healthOf({ generation: 1, shards: 1, nodes: [] })).toEqual({ health: { gateway_status: "uninitialized" } });
  });

  it("has the on-prem single-node shape with one CoreApp", () => {
    expect(healthOf({ generation: 2, shards: 1, nodes: [node("core-0:a1", { shard: 0, gatewayStatus: "connecting" })] })).toEqual({ health: { gateway_status: "connecting" } });
  });

  it("lists every node by id with its role, and the WebApp with the instance's overall status", () => {
    const snapshot: ClusterSnapshot = {
      generation: 2, shards: 2,
      nodes: [node("core-0:a", { shard: 0 }), node("core-1:b", { shard: 1 }), node("core-2:c"), node("core-3:d", { generation: 1, shard: 1 })],
    };
    expect(healthOf(snapshot, "web-0:webapp")).toEqual({
      health: {
        "core-0:a": { gateway_status: "connected", role: "coreapp", shard: 0 },
        "core-1:b": { gateway_status: "connected", role: "coreapp", shard: 1 },
        "core-2:c": { gateway_status: "connected", role: "spare" },
        "core-3:d": { gateway_status: "connected", role: "spare" },
        "web-0:webapp": { gateway_status: "connected", role: "webapp" },
      },
    });
  });

  it("reports a node silent for over 30 s as disconnected, and the instance with it", () => {
    const snapshot: ClusterSnapshot = { generation: 2, shards: 2, nodes: [node("a", { shard: 0 }), node("b", { shard: 1, age: 31 })] };
    const health = healthOf(snapshot, "web").health as Record<string, { gateway_status: string }>;
    expect(health.b?.gateway_status).toBe("disconnected");
    expect(health.web?.gateway_status).toBe("disconnected");
  });

  it("leaves out nodes gone for over five minutes", () => {
    expect(healthOf({ generation: 2, shards: 1, nodes: [node("a", { shard: 0 }), node("old", { age: 301 })] })).toEqual({ health: { gateway_status: "connected" } });
  });
});

describe("queue depths for overload decisions", () => {
  it("come from fresh owners of the current generation only", () => {
    const snapshot: ClusterSnapshot = {
      generation: 2, shards: 4,
      nodes: [
        node("a", { shard: 0, queueDepth: 50 }),
        node("b", { shard: 1, queueDepth: 70, age: 40 }),
        node("c", { shard: 2, queueDepth: 90, generation: 1 }),
        node("d", { queueDepth: 999 }),
      ],
    };
    expect([...ownerDepths(snapshot)]).toEqual([[0, 50]]);
  });
});
