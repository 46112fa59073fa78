// A CoreApp against a faulty network: lost messages, lost acks, latency, repeated disconnects and
// refused connections. Everything still arrives, exactly once, in order per recipient, and every
// status is recorded and announced exactly once.
import { jest } from "@jest/globals";
import { until } from "../simulator/testing/until.js";
import { startTestInstance, type TestInstance } from "./testing/instance.js";

jest.setTimeout(120_000);

let t: TestInstance;

beforeEach(async () => {
  t = await startTestInstance();
});
afterEach(async () => {
  await t.close();
});

const recipients = Array.from({ length: 10 }, (_, i) => `4917030000${String(i).padStart(2, "0")}`);

/** Queues `perRecipient` messages to each recipient, a few batches at a time (as concurrent clients would). */
async function queueMany(perRecipient: number): Promise<Map<string, string[]>> {
  const expected = new Map<string, string[]>(recipients.map((r) => [r, []]));
  for (let i = 0; i < perRecipient; i++) {
    const batch = recipients.map((to) => ({ to, body: { type: "text", text: { body: `${to} #${i}` } } }));
    const ids = await t.queue(batch);
    ids.forEach((id, k) => expected.get(recipients[k] ?? "")?.push(id));
  }
  return expected;
}

async function expectExactlyOnceInOrder(expected: Map<string, string[]>): Promise<void> {
  const total = [...expected.values()].reduce((n, ids) => n + ids.length, 0);
  await until(`${total} deliveries`, async () => (await t.control.stats()).received === total, 60_000, 100);
  for (const [to, ids] of expected) {
    expect((await t.control.messages(to)).map((m) => m.id)).toEqual(ids);
  }
}

async function expectEveryStatusOnce(total: number): Promise<void> {
  await until("every message read", async () => {
    const { rows } = await t.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages WHERE status = 'read'");
    return rows[0]?.n === total;
  }, 60_000, 100);
  const { rows } = await t.pool.query<{ complete: number; events: number }>(
    `SELECT (SELECT count(*)::int FROM messages WHERE sent_at IS NOT NULL AND delivered_at IS NOT NULL AND read_at IS NOT NULL) AS complete,
       (SELECT sum(coalesce(events, 1))::int FROM webhook_outbox WHERE kind = 'status') AS events`,
  );
  expect(rows[0]).toEqual({ complete: total, events: total * 3 });
}

test("with lost messages, lost acks, latency and a disconnect every 400 ms, every message arrives once and in order", async () => {
  await t.control.setBehaviour({ dropRate: 0.1, ackDropRate: 0.1, latencyMs: 5, eventResendMs: 500 });
  await t.control.disconnect(400);
  await t.startCoreapp({ sender: { ackTimeoutMs: 300 } });
  const expected = await queueMany(30);
  await expectExactlyOnceInOrder(expected);
  const stats = await t.control.stats();
  expect(stats.dropped + stats.ackDropped).toBeGreaterThan(0);
  expect(stats.duplicates).toBeGreaterThan(0);
  await t.control.disconnect(0);
  await t.control.setBehaviour({ dropRate: 0, ackDropRate: 0 });
  await expectEveryStatusOnce(300);
});

test("messages queued while the network refuses connections are sent once it accepts them again", async () => {
  const coreapp = await t.startCoreapp();
  await until("connected", () => coreapp.gatewayStatus() === "connected");
  await t.control.refuseConnections(5000); // longer than queueing 5 messages takes on a loaded machine
  await t.control.disconnect();
  await until("disconnected", () => coreapp.gatewayStatus() !== "connected");
  const expected = await queueMany(5);
  expect((await t.control.stats()).received).toBe(0);
  await expectExactlyOnceInOrder(expected);
  await expectEveryStatusOnce(50);
});
