import { jest } from "@jest/globals";
import { readdirSync } from "node:fs";
import { Readable } from "node:stream";
import { request as raw } from "undici";
import { basic, expectApiError, keyPair, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(60_000);

/** Bad requests are answered 4xx with the API's error object, and nothing is stored. */
describe("bad input", () => {
  let h: Harness;
  const auth = basic(keyPair.id, keyPair.secret);
  beforeAll(async () => { h = await startHarness({ otherRateLimit: { ratePerSecond: 1000, burst: 1000 } }); });
  afterAll(async () => {
    // nothing reached the tables or the media volume
    const { rows } = await h.pool.query<{ messages: number; media: number; settings: number; users: number }>(
      "SELECT (SELECT count(*)::int FROM messages) AS messages, (SELECT count(*)::int FROM media) AS media, (SELECT count(*)::int FROM settings) AS settings, (SELECT count(*)::int FROM users) AS users",
    );
    expect(rows[0]).toEqual({ messages: 0, media: 0, settings: 0, users: 1 });
    expect(readdirSync(h.env.WABA_MEDIA_DIR!)).toEqual([]);
    await h.close();
  });

  async function send(path: string, body: Buffer | string | undefined, headers: Record<string, string>, method: "POST" | "PATCH" | "PUT" = "POST") {
    const res = await raw(`${h.url}${path}`, { method, headers: { authorization: auth, ...headers }, body });
    const text = await res.body.text();
    return { status: res.statusCode, body: JSON.parse(text) as unknown };
  }
  const json = { "content-type": "application/json" };

  it("refuses malformed JSON, a non-object, an empty body and a wrong Content-Type", async () => {
    expect(expectApiError(await send("/v1/messages", '{"to": "+15551234567", "type": "text",', json), 400, 1025)).toBe("the request body is not valid JSON");
    expect(expectApiError(await send("/v1/messages", "[1, 2]", json), 400, 1025)).toBe("the request body must be a JSON object");
    expect(expectApiError(await send("/v1/messages", "", json), 400, 1025)).toMatch(/empty/);
    expect(expectApiError(await send("/v1/messages", '{"to":"+15551234567"}', { "content-type": "text/plain" }), 400, 1025)).toBe("Content-Type must be application/json");
    expect(expectApiError(await send("/v1/messages", '{"to":"+15551234567"}', { "content-type": "application/json; charset=latin1" }), 400, 1025)).toMatch(/charset/);
    expectApiError(await send("/v1/settings/application", "{", json, "PATCH"), 400, 1025);
    expectApiError(await send("/v1/contacts", "nope", json), 400, 1025);
  });

  it("refuses bytes that are not UTF-8", async () => {
    const body = Buffer.concat([Buffer.from('{"to":"+15551234567","type":"text","text":{"body":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}}')]);
    expect(expectApiError(await send("/v1/messages", body, json), 400, 1025)).toBe("the request body is not valid UTF-8");
  });

  it("refuses unknown message types and invalid numbers, naming the field", async () => {
    expect(expectApiError(await send("/v1/messages", JSON.stringify({ to: "+15551234567", type: "fax", fax: {} }), json), 400, 1009)).toMatch(/^type: /);
    for (const to of ["abc", "+0123456789", "12", "+1555123456789012", ""]) {
      expect(expectApiError(await send("/v1/messages", JSON.stringify({ to, type: "text", text: { body: "hi" } }), json), 400, 1009)).toMatch(/^to: /);
    }
    expect(expectApiError(await send("/v1/messages", JSON.stringify({ to: 15551234567, type: "text", text: { body: "hi" } }), json), 400, 1009)).toMatch(/^to: /);
  });

  it("refuses oversized bodies with 413", async () => {
    const big = JSON.stringify({ to: "+15551234567", type: "text", text: { body: "x".repeat(300 * 1024) } });
    expectApiError(await send("/v1/messages", big, json), 413, 1009);
    // also when the size is not declared up front (chunked)
    const chunked = await raw(`${h.url}/v1/messages`, {
      method: "POST", headers: { authorization: auth, ...json },
      body: Readable.from(Array.from({ length: 40 }, () => Buffer.alloc(8 * 1024, 0x20))),
    });
    expect(chunked.statusCode).toBe(413);
    expect(((await chunked.body.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1009);
  });

  it("refuses media over its type's limit, of types WhatsApp does not take, and empty", async () => {
    expect(expectApiError(await send("/v1/media", Buffer.alloc(5 * 1024 * 1024 + 1), { "content-type": "image/jpeg" }), 413, 1009)).toMatch(/image media may be at most 5242880 bytes/);
    expectApiError(await send("/v1/media", Buffer.alloc(600 * 1024), { "content-type": "image/webp" }), 413, 1009);
    expect(expectApiError(await send("/v1/media", Buffer.from("MZ"), { "content-type": "application/x-msdownload" }), 400, 1009)).toMatch(/^Content-Type: application\/x-msdownload is not/);
    expectApiError(await send("/v1/media", Buffer.from("MZ"), {}), 400, 1009);
    expectApiError(await send("/v1/media", Buffer.alloc(0), { "content-type": "image/png" }), 400, 1009);
    const cloud = await send(`/v17.0/${h.env.WABA_PHONE_NUMBER_ID}/media`, "not multipart", { "content-type": "multipart/form-data; boundary=abc" });
    expect(cloud.status).toBe(400);
    expect(cloud.body).toMatchObject({ error: { code: 100, type: "OAuthException", fbtrace_id: expect.any(String) } });
  });

  it("refuses invalid settings, users and shard changes, naming the field", async () => {
    expect(expectApiError(await send("/v1/settings/application", JSON.stringify({ webhooks: { url: "http://hooks.example.com/x" } }), json, "PATCH"), 400, 1009)).toMatch(/^webhooks\.url: /);
    expect(expectApiError(await send("/v1/users", JSON.stringify({ username: "newuser", password: "short" }), json), 400, 1009)).toMatch(/^password: /);
    expect(expectApiError(await send("/v1/account/shards", JSON.stringify({ cc: "1", phone_number: "5550001111", shards: 3 }), json), 400, 1009)).toMatch(/^shards: /);
    expect(expectApiError(await send("/v1/account/shards", JSON.stringify({ cc: "44", phone_number: "5550001111", shards: 2 }), json), 400, 1009)).toMatch(/^phone_number: /);
    const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM shard_map");
    expect(rows[0].n).toBe(1);
  });

  it("answers unknown paths 404 and other methods 405, with the error object", async () => {
    expectApiError(await send("/v1/nothing-here", "{}", json), 404, 1006);
    const res = await raw(`${h.url}/v1/messages`, { method: "GET", headers: { authorization: auth } });
    expect(res.statusCode).toBe(405);
    expect(((await res.body.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1025);
    const undecodable = await raw(`${h.url}/v1/media/%E0%A4%A`, { method: "GET", headers: { authorization: auth } });
    expect(undecodable.statusCode).toBe(400);
    await undecodable.body.dump();
  });
});
