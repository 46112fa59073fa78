// The whole runtime as real processes on a PostgreSQL server of its own, which the suite restarts
// (fast shutdown: every connection is terminated, as when the database pod is replaced) and then
// stops for a while. Every process survives the restart, a send while the database is away is
// refused with 503 and Retry-After, and what was accepted before and after is delivered once.
import { jest } from "@jest/globals";
import { until } from "../simulator/testing/until.js";
import { startReceiver, type WebhookReceiver } from "../webhook/testing/receiver.js";
import { basic } from "./testing/http.js";
import { startSystem, type RunningSystem } from "./testing/instance.js";

jest.setTimeout(300_000);

let system: RunningSystem;
let receiver: WebhookReceiver;

beforeAll(async () => {
  receiver = await startReceiver({ secret: "restart-hook-secret" });
  system = await startSystem({ shards: 2, webhooks: [{ url: receiver.url, format: "onprem", secret: "restart-hook-secret", events: ["statuses"] }] });
});

afterAll(async () => {
  await receiver.close();
  await system.stop().catch(() => undefined);
  if (process.env.WABA_KEEP_LOGS) process.stdout.write(`logs kept in ${system.logDir}\n`);
  else system.removeLogs();
});

/** No process ended (each one that did is shown with the end of its log). */
function expectNoProcessEnded(): void {
  const logs = system.logs();
  const ended = system.processes.filter((p) => p.role !== "migrate" && !p.running()).map((p) => ({ name: p.name, log: logs.get(p.name)?.slice(-2000) }));
  expect(ended).toEqual([]);
}

test("a PostgreSQL restart takes no process down, a send while the database is away gets 503 with Retry-After, and messages accepted before and after are each delivered once", async () => {
  const auth = basic(system.env.WABA_API_KEY_ID ?? "", system.secrets.apiKeySecret);
  const recipients = ["4915100000001", "4915100000002", "4915100000003"];
  const accepted = new Map<string, string[]>(recipients.map((r) => [r, []]));
  const send = async (to: string, text: string) => {
    const res = await system.api.request("POST", "/v1/messages", { auth, json: { to, type: "text", text: { body: text } } });
    if (res.status === 201) accepted.get(to)?.push((res.json() as { messages: { id: string }[] }).messages[0]?.id ?? "");
    return res.status;
  };
  for (let i = 0; i < 10; i++) for (const to of recipients) expect(await send(to, `before ${i}`)).toBe(201);

  await system.postgres?.restart();

  // Requests already under way when the connections were cut may fail; once the database is
  // back, the WebApp accepts again without being restarted.
  await until("the WebApp accepting again", async () => (await send(recipients[0] ?? "", "first after")) === 201, 60_000, 200);
  for (let i = 0; i < 10; i++) for (const to of recipients) expect(await send(to, `after ${i}`)).toBe(201);
  expectNoProcessEnded();

  await system.postgres?.pause();
  try {
    const refused = await system.api.request("POST", "/v1/messages", { auth, json: { to: recipients[1], type: "text", text: { body: "while away" } } });
    expect({ status: refused.status, retryAfter: refused.headers["retry-after"], errors: (refused.json() as { errors: unknown }).errors })
      .toEqual({ status: 503, retryAfter: "1", errors: [{ code: 1011, title: "Service not ready", details: "the database is unavailable; retry later" }] });
  } finally {
    await system.postgres?.resume();
  }
  await until("the WebApp accepting after the database came back", async () => (await send(recipients[1] ?? "", "back again")) === 201, 60_000, 200);

  for (const [to, ids] of accepted) {
    const received = await until(`every message to ${to} at the simulator`, async () => {
      const got = await system.sim.messages(to);
      return got.length >= ids.length ? got : undefined;
    }, 120_000, 200);
    // Each exactly once, in the order accepted.
    expect(received.map((m) => m.id)).toEqual(ids);
  }
  const all = [...accepted.values()].flat();
  await receiver.waitFor((r) => all.every((id) => r.events.has(`status:${id}:delivered`)), 120_000, "every message's delivered status");
  expect(receiver.badSignatures).toBe(0);
  // Also none during the pause or afterwards (a spare taking over would hide a CoreApp that died).
  expectNoProcessEnded();
});
