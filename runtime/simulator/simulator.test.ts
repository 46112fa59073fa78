// The simulator as CoreApps and tests see it: a real server on loopback, real WebSockets, real
// crypto, the control API through its client.
import { pino } from "pino";
import { boxKeyPair } from "../gateway/box.js";
import { decryptMedia, isMediaRef } from "../gateway/media-crypto.js";
import { maxKeysPerQuery } from "../gateway/key-directory.js";
import { MediaClient } from "../gateway/media-client.js";
import type { NetworkEvent } from "../gateway/protocol.js";
import { loadEnv } from "../config/env.js";
import { recipientHash } from "../sharding/hash.js";
import { SimulatorClient, SimulatorError } from "./client.js";
import { startSimulator, type SimulatorService } from "./main.js";
import { TestBusiness } from "./testing/business.js";
import { until } from "./testing/until.js";

import { jest } from "@jest/globals";
jest.setTimeout(30_000);

let sim: SimulatorService;
let control: SimulatorClient;
const businesses: TestBusiness[] = [];
let n = 0;
const id = () => `wamid.test-${Date.now()}-${++n}`;

async function business(options: ConstructorParameters<typeof TestBusiness>[1] = {}): Promise<TestBusiness> {
  const b = new TestBusiness(sim.gatewayUrl, options);
  businesses.push(b);
  return b.start();
}

/** Two recipients, one in each shard of two. */
function recipientsOfShards(): [string, string] {
  const found: string[] = [];
  for (let i = 0; found.length < 2; i++) {
    const waId = `4917000${String(i).padStart(5, "0")}`;
    if (recipientHash(waId) % 2 === found.length) found.push(waId);
  }
  return [found[0]!, found[1]!];
}

beforeAll(async () => {
  const env = { WABA_PORT: "0", WABA_LOG_LEVEL: "silent", WABA_SIMULATOR_DELIVERED_DELAY_MS: "0", WABA_SIMULATOR_READ_DELAY_MS: "0" };
  sim = await startSimulator(loadEnv("simulator", env), pino({ level: "silent" }), env, "127.0.0.1");
  control = new SimulatorClient(sim.httpUrl);
});
afterEach(async () => {
  await Promise.all(businesses.splice(0).map((b) => b.stop()));
  await control.reset();
});
afterAll(async () => {
  await control.close();
  await sim.stop();
});

test("a message encrypted for the recipient's device is acknowledged and recorded as its decrypted content", async () => {
  const b = await business();
  const m = id();
  await b.send(m, "491701234567", { type: "text", text: { body: "hello there", preview_url: false } });
  await until("the ack", () => b.acks.includes(m));
  const got = await control.messages("491701234567");
  expect(got).toMatchObject([{ id: m, to: "491701234567", business: "15550001111", content: { type: "text", text: { body: "hello there" } } }]);
});

test("a message that does not decrypt for the device is refused with an error and not recorded", async () => {
  const b = await business();
  const m = id();
  const wrongKey = boxKeyPair().publicKey;
  const box = b.box.seal(JSON.stringify({ type: "text", text: { body: "x" } }), wrongKey).toString("base64");
  b.connection.send({ type: "send", messages: [{ id: m, to: "491701234567", box }] });
  await until("the refusal", () => b.refused.find((r) => r.id === m));
  expect(b.refused[0]?.error.code).toBe(1026);
  expect(b.acks).toEqual([]);
  expect(await control.messages()).toEqual([]);
  expect((await control.stats()).refused).toBe(1);
});

test("a number not on WhatsApp has no key in the directory and messages to it are refused with 1013", async () => {
  const b = await business();
  expect(await b.directory.lookup("9991234567")).toBeUndefined();
  const box = b.box.seal("{}", boxKeyPair().publicKey).toString("base64");
  const m = id();
  b.connection.send({ type: "send", messages: [{ id: m, to: "9991234567", box }] });
  await until("the refusal", () => b.refused.find((r) => r.id === m));
  expect(b.refused[0]?.error).toMatchObject({ code: 1013, title: "User is not valid" });
});

test("the key directory answers many numbers at once, leaving out those not on WhatsApp, and refuses a malformed query", async () => {
  const ask = (body: unknown) => fetch(`${sim.httpUrl}/v1/keys`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const res = await ask({ wa_ids: ["491701234567", "9991234567", "491707654321"] });
  expect(res.status).toBe(200);
  const { keys } = (await res.json()) as { keys: { wa_id: string; public_key: string }[] };
  expect(keys.map((k) => k.wa_id)).toEqual(["491701234567", "491707654321"]);
  const one = (await (await fetch(`${sim.httpUrl}/v1/keys/491701234567`)).json()) as { public_key: string };
  expect(keys[0]?.public_key).toBe(one.public_key);
  for (const bad of [{}, { wa_ids: [] }, { wa_ids: [491701234567] }, { wa_ids: Array.from({ length: maxKeysPerQuery + 1 }, () => "491701234567") }]) {
    expect((await ask(bad)).status).toBe(400);
  }
});

test("a repeated id is acknowledged every time but delivered once, and counted as a duplicate", async () => {
  const b = await business();
  const m = id();
  for (let i = 0; i < 3; i++) await b.send(m, "491701234567", { type: "text", text: { body: `try ${i}` } });
  await until("three acks", () => b.acks.filter((a) => a === m).length === 3);
  const got = await control.messages("491701234567");
  expect(got.map((r) => r.content)).toEqual([{ type: "text", text: { body: "try 0" } }]);
  expect(await control.stats()).toMatchObject({ received: 1, duplicates: 2, acked: 3 });
});

test("messages are recorded in arrival order with their arrival number", async () => {
  const b = await business();
  const ids = [id(), id(), id()];
  for (const [i, m] of ids.entries()) await b.send(m, "491701234567", { type: "text", text: { body: String(i) } });
  await until("three acks", () => b.acks.length === 3);
  const got = await control.messages("491701234567");
  expect(got.map((r) => r.id)).toEqual(ids);
  expect(got.map((r) => r.n)).toEqual([1, 2, 3]);
});

test("receipts go to the connection serving the recipient's shard, are held while none does, and re-sent until confirmed", async () => {
  await control.setBehaviour({ eventResendMs: 300 });
  const [r0, r1] = recipientsOfShards();
  const a = await business({ node: "a", shard: 0, shards: 2 });
  const m0 = id(), m1 = id();
  await a.send(m0, r0, { type: "text", text: { body: "zero" } });
  await a.send(m1, r1, { type: "text", text: { body: "one" } });
  await until("both acks", () => a.acks.length === 2);
  await until("a's receipts for its shard", () => a.events.filter((e) => e.kind === "status" && e.id === m0).length === 2);
  await until("four pending receipts", async () => (await control.stats()).eventsPending === 4);
  expect(a.events.some((e) => e.kind === "status" && e.id === m1)).toBe(false);

  // Nobody serves shard 1 yet: its receipts are held, then go to the node that claims it.
  const b = await business({ node: "b", shard: 1, shards: 2 });
  await until("b's receipts", () => b.events.filter((e) => e.kind === "status" && e.id === m1).map((e) => e.kind === "status" && e.status).sort().join() === "delivered,read");

  // Unconfirmed events come again; confirmed ones never do.
  a.confirm(a.events.map((e) => e.eid));
  const countA = a.events.length;
  await until("a resend to b", () => b.events.length >= 4);
  await new Promise((resolve) => setTimeout(resolve, 700));
  expect(a.events.length).toBe(countA);
  b.confirm(b.events.map((e) => e.eid));
  await until("nothing pending", async () => (await control.stats()).eventsPending === 0);
});

test("a connection that closes hands its unconfirmed events to the next owner of the shard", async () => {
  const [r0] = recipientsOfShards();
  const a = await business({ node: "a", shard: 0, shards: 2 });
  const m = id();
  await a.send(m, r0, { type: "text", text: { body: "x" } });
  await until("receipts at a", () => a.events.length === 2);
  expect(a.acks).toEqual([m]);
  await a.stop();
  const c = await business({ node: "c", shard: 0, shards: 2 });
  await until("receipts at c", () => c.events.length === 2);
  expect(c.events.map((e) => e.eid)).toEqual(a.events.map((e) => e.eid));
});

test("with a drop rate of 1 messages are neither acknowledged nor delivered", async () => {
  const b = await business();
  await control.setBehaviour({ dropRate: 1 });
  await b.send(id(), "491701234567", { type: "text", text: { body: "lost" } });
  await until("the drop", async () => (await control.stats()).dropped === 1);
  expect(b.acks).toEqual([]);
  expect(await control.messages()).toEqual([]);
});

test("with an ack drop rate of 1 messages are delivered but their acks are lost", async () => {
  const b = await business();
  await control.setBehaviour({ ackDropRate: 1, readProbability: 0 });
  const m = id();
  await b.send(m, "491701234567", { type: "text", text: { body: "kept" } });
  await until("the delivery", async () => (await control.messages()).length === 1);
  expect(b.acks).toEqual([]);
  expect((await control.stats()).ackDropped).toBe(1);
});

test("latency delays acknowledgements", async () => {
  const b = await business();
  await control.setBehaviour({ latencyMs: 300 });
  const started = Date.now();
  const m = id();
  await b.send(m, "491701234567", { type: "text", text: { body: "slow" } });
  await until("the ack", () => b.acks.includes(m));
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

test("disconnect closes every connection and refusing keeps new ones out for a while", async () => {
  const b = await business();
  await control.refuseConnections(600);
  expect(await control.disconnect()).toBe(1);
  await until("the disconnect", () => b.connection.status !== "connected");
  const refusedAt = Date.now();
  await until("the reconnect", () => b.connection.status === "connected", 5000);
  expect(Date.now() - refusedAt).toBeGreaterThanOrEqual(400);
  expect(b.opens).toBe(2);
});

test("an inbound text is encrypted for the business and reaches the owner of the sender's shard", async () => {
  const [r0, r1] = recipientsOfShards();
  const a = await business({ node: "a", shard: 0, shards: 2 });
  const b = await business({ node: "b", shard: 1, shards: 2 });
  const m = await control.inboundText({ from: r1, text: "hi business", name: "Ann" });
  const event = await until("the inbound", () => b.events.find((e) => e.kind === "message" && e.id === m));
  expect(event).toMatchObject({ from: r1, name: "Ann" });
  expect(await b.open(event as NetworkEvent & { kind: "message" })).toEqual({ type: "text", text: { body: "hi business" } });
  expect(a.events).toEqual([]);
  expect(r0).not.toBe(r1);
});

test("inbound media is stored encrypted at the network and referenced by id, key and hash", async () => {
  const b = await business();
  const file = Buffer.from("%PDF-1.4 a small document");
  const m = await control.inboundMedia({ from: "491701234567", type: "document", data: file, mime_type: "application/pdf", caption: "the contract", filename: "c.pdf" });
  const event = await until("the inbound", () => b.events.find((e) => e.kind === "message" && e.id === m));
  const content = (await b.open(event as NetworkEvent & { kind: "message" })) as { type: string; document: unknown };
  expect(content.type).toBe("document");
  expect(content.document).toMatchObject({ mime_type: "application/pdf", caption: "the contract", filename: "c.pdf" });
  if (!isMediaRef(content.document)) throw new Error("no media reference");
  const media = new MediaClient(sim.gatewayUrl);
  try {
    const encrypted = await media.download(content.document.media_id);
    expect(encrypted.includes(file)).toBe(false);
    expect(decryptMedia(encrypted, content.document.media_key, content.document.sha256)).toEqual(file);
  } finally {
    await media.close();
  }
});

test("media messages are checked against the uploaded file and refused when it is missing", async () => {
  const b = await business();
  const media = new MediaClient(sim.gatewayUrl);
  try {
    const { encryptMedia } = await import("../gateway/media-crypto.js");
    const image = Buffer.alloc(2048, 9);
    const enc = encryptMedia(image);
    const mediaId = await media.upload(enc.encrypted);
    const good = id(), bad = id();
    const ref = { media_key: enc.key.toString("base64"), sha256: enc.sha256, mime_type: "image/png" };
    await b.send(good, "491701234567", { type: "image", image: { media_id: mediaId, ...ref, caption: "pic" } });
    await b.send(bad, "491701234567", { type: "image", image: { media_id: "00ff", ...ref } });
    await until("both answers", () => b.acks.includes(good) && b.refused.some((r) => r.id === bad));
    expect(b.refused.find((r) => r.id === bad)?.error.code).toBe(1008);
    expect((await control.messages())[0]?.media).toEqual({ size: 2048, sha256: enc.sha256, mime_type: "image/png" });
  } finally {
    await media.close();
  }
});

test("read receipts from the business are recorded and acknowledged", async () => {
  const b = await business();
  b.connection.send({ type: "read", receipts: [{ id: "wamid.in1", to: "491701234567" }] });
  await until("the read ack", () => b.readAcks.includes("wamid.in1"));
  expect(await control.reads()).toMatchObject([{ id: "wamid.in1", to: "491701234567", business: "15550001111" }]);
});

test("a registered number gets a new device key and a removed one leaves WhatsApp", async () => {
  const b = await business();
  const before = await b.directory.lookup("491701111111");
  const key = await control.registerDevice("491701111111");
  const after = await b.directory.lookup("491701111111");
  expect(Buffer.from(after!.publicKey).toString("base64")).toBe(key);
  expect(Buffer.from(after!.publicKey)).not.toEqual(Buffer.from(before!.publicKey));
  await control.removeDevice("491701111111");
  expect(await b.directory.lookup("491701111111")).toBeUndefined();
});

test("a second identity key for a connected business is refused", async () => {
  await business({ node: "a" });
  const other = new TestBusiness(sim.gatewayUrl, { node: "b", keys: boxKeyPair() });
  businesses.push(other);
  other.connection.start();
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(other.connection.status).not.toBe("connected");
});

test("the control API refuses bad input naming the field, and changes nothing", async () => {
  await expect(control.setBehaviour({ dropRate: 2 })).rejects.toThrow(/dropRate/);
  await expect(control.inboundText({ from: "12ab", text: "x" })).rejects.toThrow(/from/);
  await expect(control.inboundText({ from: "491701234567", text: "x", business: "15559999999" })).rejects.toMatchObject({ status: 409 });
  await expect(control.registerDevice("1")).rejects.toBeInstanceOf(SimulatorError);
  expect((await control.behaviour()).dropRate).toBe(0);
});
