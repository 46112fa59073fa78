// The whole runtime as real processes — simulator, migrate, WebApp, 3 CoreApps for 2 shards, the
// webhook dispatcher — proven only through its public surfaces: the HTTP API, the simulator's
// control API, and two signed webhook receivers (on-prem format set through the settings API,
// Cloud format given by the operator's WABA_WEBHOOKS). The last test stops everything, checks no
// process is left, and greps every process's log for secrets and message bodies.
import { jest } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { until } from "../simulator/testing/until.js";
import { startReceiver, type ReceivedEvent, type WebhookReceiver } from "../webhook/testing/receiver.js";
import { basic, bearer, type HttpAnswer } from "./testing/http.js";
import { startSystem, type RunningSystem } from "./testing/instance.js";

jest.setTimeout(300_000);

const unique = () => randomBytes(6).toString("hex");
const onpremSecret = `onprem-hook-${unique()}`;
const cloudSecret = `cloud-hook-${unique()}`;
const adminPassword = `Admin-${unique()}-2b!`;
const userPassword = `Agent-${unique()}-3c!`;
/** Every text and caption the suite sends or receives: none may appear in a log. */
const bodies: string[] = [];
const body = (what: string) => {
  const text = `${what} ${unique()}`;
  bodies.push(text);
  return text;
};

const tokenOf = (a: HttpAnswer) => (a.json() as { users: { token: string }[] }).users[0]?.token ?? "";
const messageIdOf = (a: HttpAnswer) => (a.json() as { messages: { id: string }[] }).messages[0]?.id ?? "";

let system: RunningSystem;
let onprem: WebhookReceiver;
let cloud: WebhookReceiver;
let firstLogin: { status: number; code: unknown };
let adminToken: string;
let userToken: string;

beforeAll(async () => {
  onprem = await startReceiver({ secret: onpremSecret });
  cloud = await startReceiver({ secret: cloudSecret });
  system = await startSystem({
    serverUrl: process.env.WABA_TEST_DATABASE_URL,
    shards: 2,
    webhooks: [{ url: cloud.url, format: "cloud", secret: cloudSecret }],
    logLevel: "debug",
  });
  const { api, secrets } = system;
  const first = await api.request("POST", "/v1/users/login", { auth: basic("admin", secrets.adminPassword) });
  firstLogin = { status: first.status, code: (first.json() as { errors: { code: number }[] }).errors[0]?.code };
  const changed = await api.request("POST", "/v1/users/login", { auth: basic("admin", secrets.adminPassword), json: { new_password: adminPassword } });
  adminToken = tokenOf(changed);
  expect(changed.status).toBe(200);
  const settings = await api.request("PATCH", "/v1/settings/application", { auth: bearer(adminToken), json: { webhooks: { url: onprem.url, format: "onprem", secret: onpremSecret } } });
  expect(settings.status).toBe(200);
  expect((await api.request("POST", "/v1/users", { auth: bearer(adminToken), json: { username: "agent", password: userPassword } })).status).toBe(201);
  const login = await api.request("POST", "/v1/users/login", { auth: basic("agent", userPassword) });
  expect(login.status).toBe(200);
  userToken = tokenOf(login);
  // The dispatcher picks the settings' endpoint up on its next reload (every 5 s); events fanned
  // out before that go only to the endpoints known then.
  await until("the dispatcher delivering to the settings' endpoint", () => /"endpoint":"application"[^\n]*webhook endpoint added/.test(system.logs().get("webhook") ?? ""), 30_000, 100);
});

afterAll(async () => {
  await Promise.all([onprem.close(), cloud.close()]);
  await system.stop().catch(() => undefined);
  if (process.env.WABA_KEEP_LOGS) process.stdout.write(`logs kept in ${system.logDir}\n`);
  else system.removeLogs();
});

/** Both receivers have these events, each in its own format, and nothing arrived unsigned or malformed. */
async function bothReceive(keys: readonly string[]): Promise<{ onprem: ReceivedEvent[]; cloud: ReceivedEvent[] }> {
  const all = (r: WebhookReceiver) => keys.every((k) => r.events.has(k));
  await onprem.waitFor(all, 60_000, `on-prem events ${keys.join(", ")}`);
  await cloud.waitFor(all, 60_000, `Cloud events ${keys.join(", ")}`);
  for (const r of [onprem, cloud]) expect({ badSignatures: r.badSignatures, malformed: r.malformed }).toEqual({ badSignatures: 0, malformed: 0 });
  const events = (r: WebhookReceiver) => keys.map((k) => r.events.get(k) as ReceivedEvent);
  const result = { onprem: events(onprem), cloud: events(cloud) };
  expect(result.onprem.map((e) => e.format)).toEqual(keys.map(() => "onprem"));
  expect(result.cloud.map((e) => e.format)).toEqual(keys.map(() => "cloud"));
  // Cloud bodies name this instance's account and number.
  const cloudBody = cloud.requests.find((r) => r.keys.includes(keys[0] ?? ""))?.body as { entry: { id: string; changes: { value: { metadata: unknown } }[] }[] };
  expect(cloudBody.entry[0]?.id).toBe(system.env.WABA_ACCOUNT_ID);
  expect(cloudBody.entry[0]?.changes[0]?.value.metadata).toEqual({ display_phone_number: system.env.WABA_PHONE_NUMBER?.slice(1), phone_number_id: system.env.WABA_PHONE_NUMBER_ID });
  return result;
}

/** The message reaches the simulator, which decrypts it for the recipient's device. */
async function atSimulator(to: string, id: string) {
  return until(`message ${id} at the simulator`, async () => (await system.sim.messages(to)).find((m) => m.id === id), 60_000, 100);
}

async function expectStatuses(id: string, to: string): Promise<void> {
  const statuses = ["sent", "delivered", "read"];
  const got = await bothReceive(statuses.map((s) => `status:${id}:${s}`));
  for (const events of [got.onprem, got.cloud]) {
    expect(events.map((e) => ({ id: e.object.id, status: e.object.status, recipient_id: e.object.recipient_id }))).toEqual(statuses.map((status) => ({ id, status, recipient_id: to })));
    for (const e of events) expect(e.object.timestamp).toMatch(/^\d{10}$/);
  }
}

test("the admin's first login must change the password; afterwards only the new one logs in", async () => {
  expect(firstLogin).toEqual({ status: 403, code: 1005 });
  const { api, secrets } = system;
  expect((await api.request("POST", "/v1/users/login", { auth: basic("admin", secrets.adminPassword) })).status).toBe(401);
  const again = await api.request("POST", "/v1/users/login", { auth: basic("admin", adminPassword) });
  expect(again.status).toBe(200);
  expect((await api.request("GET", "/v1/users/admin", { auth: bearer(adminToken) })).status).toBe(200);
});

test("a text sent through POST /v1/messages decrypts at the simulator to the same text, and its sent, delivered and read statuses reach both receivers signed, each in its format", async () => {
  const to = "4915112345678";
  const text = body("Your parcel is on its way");
  const res = await system.api.request("POST", "/v1/messages", { auth: bearer(userToken), json: { to: "+49 151 1234 5678", type: "text", text: { body: text } } });
  expect(res.status).toBe(201);
  const id = messageIdOf(res);
  expect(id).toMatch(/^wamid\./);
  const received = await atSimulator(to, id);
  expect(received.content).toEqual({ type: "text", text: { body: text, preview_url: false } });
  await expectStatuses(id, to);
});

test("the Cloud send endpoint accepts a message the same way: it reaches the simulator and its statuses reach both receivers", async () => {
  const to = "4917098765432";
  const text = body("Cloud SDK says hello");
  const res = await system.api.request("POST", `/v19.0/${system.env.WABA_PHONE_NUMBER_ID}/messages`, {
    auth: bearer(userToken), json: { messaging_product: "whatsapp", recipient_type: "individual", to, type: "text", text: { body: text } },
  });
  expect(res.status).toBe(200);
  const answer = res.json() as { messaging_product: string; contacts: { input: string; wa_id: string }[]; messages: { id: string }[] };
  expect(answer.contacts).toEqual([{ input: to, wa_id: to }]);
  const id = answer.messages[0]?.id ?? "";
  expect((await atSimulator(to, id)).content).toEqual({ type: "text", text: { body: text, preview_url: false } });
  await expectStatuses(id, to);
});

test("an inbound text and an inbound image reach both receivers in both formats, and the image fetched through GET /v1/media/{id} is what the device sent", async () => {
  const from = "4916055501234";
  const text = body("Is my order ready?");
  const caption = body("a photo of the receipt");
  const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(30_000)]);
  const textId = await system.sim.inboundText({ from, text, name: "Ada Customer" });
  const imageId = await system.sim.inboundMedia({ from, type: "image", data: image, mime_type: "image/jpeg", caption, name: "Ada Customer" });

  const got = await bothReceive([`message:${textId}`, `message:${imageId}`]);
  const mediaIds = new Set<unknown>();
  for (const [textEvent, imageEvent] of [got.onprem, got.cloud]) {
    expect(textEvent?.object).toMatchObject({ from, id: textId, type: "text", text: { body: text } });
    expect(textEvent?.contact).toEqual({ profile: { name: "Ada Customer" }, wa_id: from });
    expect(imageEvent?.object).toMatchObject({ from, id: imageId, type: "image", image: { mime_type: "image/jpeg", sha256: createHash("sha256").update(image).digest("hex"), caption } });
    mediaIds.add((imageEvent?.object.image as { id: unknown }).id);
  }
  expect(mediaIds.size).toBe(1);
  const mediaId = [...mediaIds][0] as string;
  const fetched = await system.api.request("GET", `/v1/media/${mediaId}`, { auth: bearer(userToken) });
  expect(fetched.status).toBe(200);
  expect(fetched.headers["content-type"]).toBe("image/jpeg");
  expect(fetched.body.equals(image)).toBe(true);
});

test("marking an inbound message read (PUT /v1/messages/{id}) reaches the simulator as a read receipt", async () => {
  const from = "4916055505678";
  const id = await system.sim.inboundText({ from, text: body("please confirm") });
  await bothReceive([`message:${id}`]); // stored by the CoreApp
  const res = await system.api.request("PUT", `/v1/messages/${id}`, { auth: bearer(userToken), json: { status: "read" } });
  expect(res.status).toBe(200);
  const receipt = await until("the read receipt at the simulator", async () => (await system.sim.reads()).find((r) => r.id === id), 60_000, 100);
  expect(receipt).toMatchObject({ id, to: from, business: system.env.WABA_PHONE_NUMBER?.slice(1) });
});

test("an event a receiver refuses (HTTP 503) is delivered again later, and the other receiver is not held up", async () => {
  onprem.respond({ status: 503 });
  const id = await system.sim.inboundText({ from: "4916055509999", text: body("are you open on Sunday?") });
  try {
    await onprem.waitFor((r) => r.requests.some((q) => q.answered === 503 && q.keys.includes(`message:${id}`)), 60_000, "a refused POST");
    await cloud.waitFor((r) => r.events.has(`message:${id}`), 60_000, "the Cloud receiver's copy");
    expect(onprem.events.has(`message:${id}`)).toBe(false);
  } finally {
    onprem.respond({ status: 200 });
  }
  await bothReceive([`message:${id}`]);
  expect(onprem.events.get(`message:${id}`)?.count).toBe(1);
});

test("an image uploaded with POST /v1/media and sent as a message reaches the simulator as the same bytes", async () => {
  const to = "4915199990001";
  const caption = body("your invoice");
  const image = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(50_000)]);
  const upload = await system.api.request("POST", "/v1/media", { auth: bearer(userToken), raw: { body: image, contentType: "image/jpeg" } });
  expect(upload.status).toBe(201);
  const mediaId = (upload.json() as { media: { id: string }[] }).media[0]?.id ?? "";
  const res = await system.api.request("POST", "/v1/messages", { auth: bearer(userToken), json: { to, type: "image", image: { id: mediaId, caption } } });
  expect(res.status).toBe(201);
  const id = messageIdOf(res);
  const received = await atSimulator(to, id);
  // The simulator decrypted the media and checked it against this hash of the plaintext.
  expect(received.media).toEqual({ size: image.length, sha256: createHash("sha256").update(image).digest("hex"), mime_type: "image/jpeg" });
  expect(received.content).toMatchObject({ type: "image", image: { caption, mime_type: "image/jpeg" } });
  await bothReceive([`status:${id}:delivered`]);
});

test("stopping the instance leaves no process, and no process's log carries a secret or a message body", async () => {
  await system.stop(); // throws if a process is left
  for (const p of system.processes) expect({ name: p.name, running: p.running() }).toEqual({ name: p.name, running: false });
  const logs = system.logs();
  expect([...logs.keys()].sort()).toEqual(system.processes.map((p) => p.name).sort());
  // Non-empty logs, so the grep below is not vacuous.
  for (const [name, text] of logs) expect({ name, lines: text.split("\n").filter(Boolean).length > 0 }).toEqual({ name, lines: true });
  const { secrets } = system;
  const forbidden = [
    secrets.adminPassword, adminPassword, userPassword, adminToken, userToken, secrets.apiKey, secrets.apiKeySecret,
    secrets.encryptionKey, secrets.tokenSigningKey, secrets.databasePassword, onpremSecret, cloudSecret, ...bodies,
  ];
  expect(bodies.length).toBeGreaterThan(0);
  // Both shards' owners logged their lease (which of the three CoreApps is the spare is a race).
  expect([...logs].filter(([name, text]) => name.startsWith("coreapp-") && text.includes("shard lease acquired")).length).toBeGreaterThanOrEqual(2);
  expect(forbidden.every((s) => s.length >= 8)).toBe(true);
  for (const [name, text] of logs) {
    expect({ name, found: forbidden.filter((s) => text.includes(s)) }).toEqual({ name, found: [] });
  }
});
