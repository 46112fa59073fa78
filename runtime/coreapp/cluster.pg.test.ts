// CoreApps as real processes (`node --import tsx runtime/main.ts coreapp`) sharing one database
// and the simulator: a spare takes over the shard of a process killed with SIGKILL, and the shard
// count changes from 4 to 8, both while messages flow. Every accepted message is delivered to the
// network exactly once (the simulator's dedup record) and in accept order per recipient.
import { jest } from "@jest/globals";
import { bucketOf } from "../sharding/hash.js";
import { until } from "../simulator/testing/until.js";
import { startTestInstance, type CoreappProcess, type TestInstance } from "./testing/instance.js";
import { spreadRecipients, Traffic } from "./testing/traffic.js";

jest.setTimeout(240_000);

let t: TestInstance;

afterEach(async () => {
  await t.close();
});

interface LeaseRow { generation: string; shard: number; holder: string; epoch: string; live: boolean }

async function leases(): Promise<LeaseRow[]> {
  const { rows } = await t.pool.query<LeaseRow>("SELECT generation, shard, holder, epoch, expires_at > now() AS live FROM shard_leases ORDER BY generation, shard");
  return rows;
}

async function liveLeases(generation: number): Promise<LeaseRow[]> {
  return (await leases()).filter((l) => l.live && Number(l.generation) === generation);
}

/** The process holding a lease (holders are hostname:pid/suffix). */
function ownerOf(lease: LeaseRow, processes: readonly CoreappProcess[]): CoreappProcess | undefined {
  const pid = Number(/:(\d+)\//.exec(lease.holder)?.[1]);
  return processes.find((p) => p.pid === pid);
}

async function startProcesses(count: number, shards: number, generation: number, from = 0): Promise<CoreappProcess[]> {
  const processes = Array.from({ length: count }, (_, i) => t.spawnCoreapp(`coreapp-${from + i}`));
  await until(`${shards} live leases of generation ${generation}`, async () => (await liveLeases(generation)).length === shards, 90_000, 200)
    .catch((err: unknown) => { throw new Error(`${(err as Error).message}\n${processes.map((p) => `${p.name}: ${p.output()}`).join("\n")}`); });
  // The spares too: a heartbeat row (written once a process claims) from each.
  await until("every process reporting", async () => {
    const { rows } = await t.pool.query<{ node_id: string }>("SELECT node_id FROM coreapp_nodes");
    return processes.every((p) => rows.some((r) => r.node_id.endsWith(`:${p.pid}`)));
  }, 90_000, 200);
  return processes;
}

async function expectExactlyOnceInOrder(traffic: Traffic, processes: readonly CoreappProcess[]): Promise<void> {
  await until(`${traffic.total} deliveries`, async () => (await t.control.stats()).received >= traffic.total, 90_000, 200).catch(async (err: unknown) => {
    const queued = await t.pool.query("SELECT bucket, count(*)::int AS n, min(seq) AS oldest FROM messages WHERE status = 'queued' GROUP BY bucket ORDER BY bucket");
    throw new Error(`${(err as Error).message}\nqueued: ${JSON.stringify(queued.rows)}\nleases: ${JSON.stringify(await leases())}\nnetwork: ${JSON.stringify(await t.control.stats())} ${JSON.stringify(await t.control.connections())}\n${processes.map((p) => `${p.name} (${p.pid}): ${p.output()}`).join("\n")}`);
  });
  const stats = await t.control.stats();
  expect(stats.received).toBe(traffic.total);
  for (const [to, ids] of traffic.expected) {
    expect({ to, ids: (await t.control.messages(to)).map((m) => m.id) }).toEqual({ to, ids });
  }
  // What the processes logged carries no secret and no message body.
  expect(processes.some((p) => p.output().includes("shard lease acquired"))).toBe(true);
  for (const p of processes) {
    for (const secret of [t.env.WABA_ENCRYPTION_KEY ?? "", t.env.WABA_DATABASE_PASSWORD ?? "", "round "]) expect(p.output()).not.toContain(secret);
  }
  await until("no message left queued", async () => {
    const { rows } = await t.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE status = 'queued'");
    return rows[0]?.n === 0;
  }, 30_000, 200);
}

/** 4 shards, 5 CoreApp processes, and messages flowing through them. */
async function flowingOnFourShards(): Promise<{ processes: CoreappProcess[]; traffic: Traffic }> {
  t = await startTestInstance({ shards: 4 });
  const processes = await startProcesses(5, 4, 1);
  const traffic = new Traffic(t, spreadRecipients(40));
  traffic.start();
  await until("traffic flowing", async () => (await t.control.stats()).received > 100, 30_000, 100);
  return { processes, traffic };
}

/** Lets `count` more messages reach the network, then stops the traffic. */
async function flowThenStop(traffic: Traffic, count: number, what: string): Promise<void> {
  const before = (await t.control.stats()).received;
  await until(what, async () => (await t.control.stats()).received > before + count, 30_000, 100);
  await traffic.stop();
  expect(traffic.failures).toBe(0);
}

test("with 4 shards and 5 CoreApp processes, the spare takes over a killed owner's shard within 10 s and nothing is lost, duplicated or reordered", async () => {
  const { processes, traffic } = await flowingOnFourShards();
  const victimLease = (await liveLeases(1)).find((l) => l.shard === 1);
  const victim = victimLease && ownerOf(victimLease, processes);
  if (!victimLease || !victim) throw new Error("no owner process of shard 1");
  victim.child.kill("SIGKILL");
  const killedAt = Date.now();
  await victim.exited;

  const takeover = await until("a new owner of shard 1", async () =>
    (await liveLeases(1)).find((l) => l.shard === 1 && l.holder !== victimLease.holder), 20_000, 100);
  const tookMs = Date.now() - killedAt;
  expect(tookMs).toBeLessThan(10_000);
  expect(Number(takeover.epoch)).toBe(Number(victimLease.epoch) + 1);

  await flowThenStop(traffic, 200, "traffic after the take-over");
  // The killed owner's shard had traffic before and after.
  expect([...traffic.expected.keys()].some((r) => bucketOf(r) % 4 === 1)).toBe(true);
  await expectExactlyOnceInOrder(traffic, processes);
  process.stdout.write(`take-over of shard 1 after kill -9: ${tookMs} ms; ${traffic.total} messages, ${(await t.control.stats()).duplicates} duplicates absorbed by the network\n`);
});

test("changing from 4 to 8 shards while messages flow loses, duplicates and reorders nothing", async () => {
  const { processes, traffic } = await flowingOnFourShards();
  // What the operator does: a new shard map generation and four more CoreApp pods (8 + 1).
  const changedAt = Date.now();
  await t.setShards(8);
  processes.push(...(await startProcesses(4, 8, 2, 5)));
  const tookMs = Date.now() - changedAt;
  expect((await liveLeases(1)).length).toBe(0);

  await flowThenStop(traffic, 200, "traffic on 8 shards");
  await expectExactlyOnceInOrder(traffic, processes);
  const owners = new Set((await liveLeases(2)).map((l) => l.holder));
  expect(owners.size).toBe(8);
  process.stdout.write(`re-sharding 4 -> 8 with new processes starting: ${tookMs} ms until 8 leases; ${traffic.total} messages\n`);
});
