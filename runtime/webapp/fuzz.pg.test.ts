import { jest } from "@jest/globals";
import fc from "fast-check";
import { Pool } from "undici";
import { hashSecret } from "../crypto/password.js";
import { messageTypes } from "./messages/schema.js";
import { adminPassword, basic, keyPair, monitoringKey, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(300_000);

/** Every endpoint, with a placeholder for its path parameter. */
const endpoints: [string, string][] = [
  ["POST", "/v1/users/login"], ["POST", "/v1/users/logout"], ["POST", "/v1/users"],
  ["GET", "/v1/users/{p}"], ["PUT", "/v1/users/{p}"], ["DELETE", "/v1/users/{p}"],
  ["POST", "/v1/messages"], ["PUT", "/v1/messages/{p}"], ["POST", "/v1/contacts"],
  ["POST", "/v1/media"], ["GET", "/v1/media/{p}"], ["DELETE", "/v1/media/{p}"],
  ["GET", "/v1/settings/application"], ["PATCH", "/v1/settings/application"], ["DELETE", "/v1/settings/application"],
  ["POST", "/v1/settings/backup"], ["POST", "/v1/settings/restore"],
  ["GET", "/v1/account/shards"], ["POST", "/v1/account/shards"],
  ["GET", "/v1/health"], ["GET", "/v1/metrics"], ["GET", "/v1/stats/app"], ["GET", "/v1/stats/db"],
  ["POST", "/v{v}/{n}/messages"], ["POST", "/v{v}/{n}/media"], ["GET", "/v{v}/{p}"], ["DELETE", "/v{v}/{p}"],
  ["GET", "/healthz"], ["GET", "/readyz"], ["GET", "/metrics"],
];

/** Mostly null (the endpoint's own choice), now and then a value of `arb`. */
const sometimes = <T>(arb: fc.Arbitrary<T>, oneIn: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: oneIn - 1 }, { arbitrary: arb, weight: 1 });
const printable = (max: number) => fc.string({ unit: "grapheme-ascii", maxLength: max }).filter((s) => /^[\x20-\x7e]*$/.test(s));

/** Bodies from plausible (to reach deep validation) to garbage. */
const messageLike = fc.record({
  messaging_product: fc.constantFrom("whatsapp", "sms"),
  to: fc.oneof(fc.constant("+15551234567"), fc.string()),
  type: fc.oneof(fc.constantFrom(...messageTypes), fc.string()),
  recipient_type: fc.constantFrom("individual", "group"),
  text: fc.oneof(fc.record({ body: fc.string() }, { requiredKeys: [] }), fc.anything()),
  image: fc.oneof(fc.record({ id: fc.uuid(), link: fc.webUrl(), caption: fc.string() }, { requiredKeys: [] }), fc.anything()),
  interactive: fc.anything(),
  template: fc.anything(),
  status: fc.constantFrom("read", "unread"),
  webhooks: fc.oneof(fc.record({ url: fc.webUrl(), secret: fc.string(), max_concurrent_requests: fc.integer() }, { requiredKeys: [] }), fc.anything()),
  contacts: fc.oneof(fc.array(fc.string()), fc.anything()),
  blocking: fc.constantFrom("wait", "no_wait"),
  password: fc.string(), new_password: fc.string(), username: fc.string(), data: fc.base64String(),
  cc: fc.constantFrom("1", "44"), phone_number: fc.constantFrom("5550001111", "123"), shards: fc.integer({ min: -1, max: 64 }),
}, { requiredKeys: [] });
/** Sends that should mostly succeed, so the accept path is exercised too. */
const validText = fc.record({
  to: fc.constantFrom("+15551234567", "4915123456789"),
  type: fc.constant("text"),
  text: fc.record({ body: fc.string({ minLength: 1, maxLength: 50 }), preview_url: fc.boolean() }, { requiredKeys: ["body"] }),
  messaging_product: fc.constant("whatsapp"),
}, { requiredKeys: ["to", "type", "text"] });
const body = fc.oneof(
  { arbitrary: messageLike.map((o) => Buffer.from(JSON.stringify(o))), weight: 3 },
  { arbitrary: validText.map((o) => Buffer.from(JSON.stringify(o))), weight: 2 },
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))),
  fc.string().map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 512 }).map((a) => Buffer.from(a)),
  fc.constant(Buffer.alloc(0)),
);
const contentType = fc.oneof(
  fc.constantFrom("application/json", "application/json; charset=utf-8", "application/json; charset=utf-16", "text/plain", "image/png",
    "multipart/form-data; boundary=xyz", "multipart/form-data", "application/x-www-form-urlencoded"),
  printable(40),
);
const pathParam = fc.oneof(
  fc.string().map(encodeURIComponent),
  fc.uuid(),
  fc.constantFrom("admin", "wamid.abc", "%", "%zz", "%E0%A4%A", "..", "%2e%2e", "a%00b", "%F0%9F%98%80"),
);

describe("random requests at every endpoint", () => {
  let h: Harness;
  let client: Pool;
  let auths: (string | undefined)[];
  let adminHash: string;
  /** The fuzz logs the admin out and changes its password now and then: a fresh admin token. */
  async function renewAdminToken(): Promise<void> {
    await h.pool.query("UPDATE users SET password_hash = $1, must_change_password = false WHERE username = 'admin'", [adminHash]);
    auths[adminAuth] = `Bearer ${await h.adminToken()}`;
  }
  const adminAuth = 4;
  beforeAll(async () => {
    h = await startHarness({ otherRateLimit: { ratePerSecond: 100_000, burst: 100_000 } });
    client = new Pool(h.url, { connections: 8 });
    adminHash = await hashSecret(adminPassword);
    auths = [undefined, basic(keyPair.id, keyPair.secret), `Bearer ${keyPair.id}:${keyPair.secret}`, `Apikey ${monitoringKey}`, `Bearer ${await h.adminToken()}`, "Bearer x.y.z", basic("admin", "Wrong-1!")];
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it("never answer 5xx and never crash the server", async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          endpoint: fc.constantFrom(...endpoints),
          method: sometimes(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"), 8),
          param: pathParam,
          version: fc.constantFrom("16.0", "19.0", "1", "x"),
          number: fc.constantFrom(h.env.WABA_PHONE_NUMBER_ID!, "999"),
          // valid credentials most of the time, so requests get past authentication
          auth: fc.oneof({ arbitrary: fc.constantFrom(1, 2, adminAuth), weight: 4 }, { arbitrary: fc.constantFrom(0, 3, 5, 6), weight: 1 }),
          rawAuth: sometimes(printable(80), 10),
          type: fc.oneof({ arbitrary: fc.constant("application/json"), weight: 3 }, { arbitrary: sometimes(contentType, 2), weight: 1 }),
          idempotencyKey: sometimes(printable(300), 4),
          body,
        }),
        async (r) => {
          const [defaultMethod, template] = r.endpoint;
          const method = r.method ?? defaultMethod;
          const path = template.replace("{p}", r.param).replace("{v}", r.version).replace("{n}", r.number);
          const headers: Record<string, string> = {};
          const auth = r.rawAuth ?? auths[r.auth];
          if (auth !== undefined) headers.authorization = auth;
          if (r.type !== null) headers["content-type"] = r.type;
          if (r.idempotencyKey !== null) headers["idempotency-key"] = r.idempotencyKey;
          const withBody = method !== "GET" && method !== "HEAD";
          let status: number;
          try {
            const res = await client.request({ method, path, headers, ...(withBody ? { body: r.body } : {}) });
            status = res.statusCode;
            await res.body.dump();
          } catch (err) {
            // the client refusing to send something (an invalid header or path) is not the server's doing
            if ((err as { code?: string }).code === "UND_ERR_INVALID_ARG") return;
            throw err;
          }
          seen.set(status, (seen.get(status) ?? 0) + 1);
          if (status === 401 && r.rawAuth === null && r.auth === adminAuth) await renewAdminToken();
          expect(status).toBeLessThan(500);
        },
      ),
      { numRuns: 1500 },
    );
    const health = await client.request({ method: "GET", path: "/healthz" });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    // the property reached past authentication into validation and success, not only 401s
    expect(seen.get(200) ?? 0).toBeGreaterThan(50);
    expect(seen.get(400) ?? 0).toBeGreaterThan(200);
  });
});
