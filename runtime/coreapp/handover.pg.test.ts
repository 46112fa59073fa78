// Lease hand-overs between in-process CoreApps: a graceful stop releases the shard at once, a
// spare is ready too, and a change of shard count is picked up without a restart.
import { jest } from "@jest/globals";
import { until } from "../simulator/testing/until.js";
import { startTestInstance, type TestInstance } from "./testing/instance.js";

jest.setTimeout(90_000);

let t: TestInstance;

afterEach(async () => {
  await t.close();
});

test("a spare is ready and takes a gracefully stopped owner's shard at once, well before the lease would expire", async () => {
  t = await startTestInstance({ shards: 1, leaseSeconds: 30 });
  const owner = await t.startCoreapp();
  await until("the owner's lease", () => owner.lease());
  const spare = await t.startCoreapp();
  await until("the spare's connection", () => spare.gatewayStatus() === "connected");
  expect(spare.lease()).toBeUndefined();
  expect((await fetch(`http://127.0.0.1:${spare.port}/readyz`)).status).toBe(200);

  const stoppedAt = Date.now();
  await owner.stop();
  const lease = await until("the spare's lease", () => spare.lease(), 20_000);
  // Released, not expired: the 30 s lease would have kept the shard from the spare for longer.
  expect(Date.now() - stoppedAt).toBeLessThan(15_000);
  expect(lease).toMatchObject({ shard: 0, epoch: 2 });
  const id = await t.queueText("491704000001", "after the hand-over");
  await until("delivery by the new owner", async () => (await t.control.messages("491704000001")).some((m) => m.id === id));
  const nodes = await t.pool.query<{ node_id: string }>("SELECT node_id FROM coreapp_nodes");
  expect(nodes.rows.map((r) => r.node_id)).toEqual([spare.nodeId]);
});

test("a new shard count is taken up without a restart: old leases released, then every new shard owned", async () => {
  t = await startTestInstance({ shards: 1 });
  const nodes = await Promise.all([t.startCoreapp(), t.startCoreapp(), t.startCoreapp()]);
  await until("one owner", () => nodes.filter((n) => n.lease()).length === 1);
  const before = await t.queueText("491704000002", "before");
  await until("delivery before", async () => (await t.control.messages("491704000002")).length === 1);

  await t.setShards(2);
  await until("two owners of generation 2", () => nodes.filter((n) => n.lease()?.generation === 2).length === 2, 30_000);
  const { rows } = await t.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM shard_leases WHERE generation = 1 AND expires_at > now()");
  expect(rows[0]?.n).toBe(0);
  const after = await t.queueText("491704000002", "after");
  const got = await until("delivery after", async () => {
    const m = await t.control.messages("491704000002");
    return m.length === 2 ? m : undefined;
  });
  expect(got.map((m) => m.id)).toEqual([before, after]);
});
