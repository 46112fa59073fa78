import { jest } from "@jest/globals";
import { randomBytes } from "node:crypto";
import request from "supertest";
import { loadEnv } from "../config/env.js";
import { seedCredentials } from "../migrate/main.js";
import { createLogger } from "../observability/logger.js";
import { TokenSigner, tokenLifetimeMs } from "./auth/tokens.js";
import { startWebapp, type RunningWebapp } from "./server.js";
import { adminPassword, basic, expectApiError, keyPair, monitoringKey, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(60_000);

const text = { to: "+15551234567", type: "text", text: { body: "hello" } };

describe("authentication and roles", () => {
  let h: Harness;
  // whole seconds (tokens carry seconds); near the real time, as the database compares revocations with its own clock
  let clock = Math.floor(Date.now() / 1000) * 1000;
  let admin: string;
  beforeAll(async () => {
    h = await startHarness({ now: () => clock, otherRateLimit: { ratePerSecond: 1000, burst: 1000 } });
    admin = await h.adminToken();
  });
  afterAll(async () => { await h.close(); });
  const api = () => request(h.url);
  const login = (user: string, password: string, body?: object) => {
    const r = api().post("/v1/users/login").set("authorization", basic(user, password));
    return body ? r.send(body) : r;
  };

  it("makes the first login of admin set a new password before anything else works", async () => {
    // the admin as the migrate role seeds it
    await h.pool.query("DELETE FROM users WHERE username = 'admin'");
    await seedCredentials(h.pool, loadEnv("migrate", h.env), createLogger({ role: "migrate", level: "silent" }));
    const initial = h.env.WABA_ADMIN_PASSWORD!;
    expect(expectApiError(await login("admin", initial), 403, 1005)).toContain("new_password");
    expect(expectApiError(await login("admin", initial, { new_password: "weakpass" }), 400, 1009)).toMatch(/^new_password: must contain/);
    const res = await login("admin", initial, { new_password: adminPassword });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ users: [{ token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), expires_after: expect.any(String) }], meta: { version: expect.any(String), api_status: "stable" } });
    expect(res.body.users[0].expires_after).toBe(new Date(clock + tokenLifetimeMs).toISOString().replace("T", " ").replace(".000Z", "+00:00"));
    admin = res.body.users[0].token;
    expectApiError(await login("admin", initial), 401, 1005);
    const row = await h.pool.query("SELECT must_change_password FROM users WHERE username = 'admin'");
    expect(row.rows[0].must_change_password).toBe(false);
    expect((await api().post("/v1/messages").set("authorization", `Bearer ${admin}`).send(text)).status).toBe(201);
  });

  it("answers missing or wrong credentials with 401 and the error object, storing nothing", async () => {
    const count = async () => (await h.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM messages")).rows[0]!.n;
    const before = await count();
    expectApiError(await api().post("/v1/messages").send(text), 401, 1005);
    expectApiError(await login("admin", "Wrong-Pass-1"), 401, 1005);
    expectApiError(await login("nobody", "Wrong-Pass-1"), 401, 1005);
    expectApiError(await api().post("/v1/users/login"), 401, 1005);
    expectApiError(await api().post("/v1/messages").set("authorization", "Bearer not-a-token").send(text), 401, 1005);
    expectApiError(await api().post("/v1/messages").set("authorization", "Digest abc").send(text), 401, 1005);
    expectApiError(await api().post("/v1/messages").set("authorization", basic(keyPair.id, "wrong-secret-123456")).send(text), 401, 1005);
    expectApiError(await api().post("/v1/messages").set("authorization", `Apikey ${monitoringKey}`).send(text), 401, 1005);
    expect(await count()).toBe(before);
  });

  it("refuses forged tokens", async () => {
    const foreign = new TokenSigner(randomBytes(32).toString("base64")).issue("admin", 1, clock).token;
    expect(expectApiError(await api().get("/v1/users/admin").set("authorization", `Bearer ${foreign}`), 401, 1005)).toBe("invalid token");
    const [head, , sig] = admin.split(".");
    const payload = Buffer.from(JSON.stringify({ sub: "admin", jti: "x", ep: 99, iat: 1, exp: 4e9 })).toString("base64url");
    expectApiError(await api().get("/v1/users/admin").set("authorization", `Bearer ${head}.${payload}.${sig}`), 401, 1005);
  });

  it("refuses a token once it has expired (seven days)", async () => {
    const res = await login("admin", adminPassword);
    const token = res.body.users[0].token as string;
    clock += tokenLifetimeMs - 1000;
    expect((await api().get("/v1/users/admin").set("authorization", `Bearer ${token}`)).status).toBe(200);
    clock += 1000;
    expect(expectApiError(await api().get("/v1/users/admin").set("authorization", `Bearer ${token}`), 401, 1005)).toContain("expired");
    admin = (await login("admin", adminPassword)).body.users[0].token;
  });

  it("revokes a token at logout", async () => {
    const token = (await login("admin", adminPassword)).body.users[0].token as string;
    expect((await api().post("/v1/users/logout").set("authorization", `Bearer ${token}`)).status).toBe(200);
    expect(expectApiError(await api().get("/v1/users/admin").set("authorization", `Bearer ${token}`), 401, 1005)).toContain("revoked");
    expect((await api().get("/v1/users/admin").set("authorization", `Bearer ${admin}`)).status).toBe(200);
  });

  it("lets only admins manage users and settings, and users manage themselves", async () => {
    const as = (token: string) => (r: request.Test) => r.set("authorization", `Bearer ${token}`);
    const create = await as(admin)(api().post("/v1/users")).send({ username: "bob.ops", password: "Bob-Pass-123" });
    expect(create.status).toBe(201);
    expect(create.body.users).toEqual([{ username: "bob.ops" }]);
    expectApiError(await as(admin)(api().post("/v1/users")).send({ username: "bob.ops", password: "Bob-Pass-123" }), 409, 1004);
    expect(expectApiError(await as(admin)(api().post("/v1/users")).send({ username: "x", password: "Bob-Pass-123" }), 400, 1009)).toMatch(/^username: /);

    const bob = (await login("bob.ops", "Bob-Pass-123")).body.users[0].token as string;
    expect((await as(bob)(api().post("/v1/messages")).send(text)).status).toBe(201);
    expect((await as(bob)(api().get("/v1/users/bob.ops"))).body.users).toEqual([{ username: "bob.ops", roles: ["ROLE_USER"] }]);
    expectApiError(await as(bob)(api().get("/v1/users/admin")), 403, 1005);
    expectApiError(await as(bob)(api().post("/v1/users")).send({ username: "eve.ops", password: "Eve-Pass-123" }), 403, 1005);
    expectApiError(await as(bob)(api().get("/v1/settings/application")), 403, 1005);
    expectApiError(await as(bob)(api().get("/v1/account/shards")), 403, 1005);
    expectApiError(await as(bob)(api().delete("/v1/users/bob.ops")), 403, 1005);
    expectApiError(await as(admin)(api().delete("/v1/users/admin")), 403, 1005);
    expectApiError(await as(admin)(api().get("/v1/users/ghost")), 404, 1006);
  });

  it("locks a user's tokens out when the password changes or the user is deleted", async () => {
    await request(h.url).post("/v1/users").set("authorization", `Bearer ${admin}`).send({ username: "carol", password: "Carol-Pass-1" });
    const carol = (await login("carol", "Carol-Pass-1")).body.users[0].token as string;
    expect((await api().put("/v1/users/carol").set("authorization", `Bearer ${carol}`).send({ password: "Carol-Pass-2" })).status).toBe(200);
    expectApiError(await api().get("/v1/users/carol").set("authorization", `Bearer ${carol}`), 401, 1005);
    expectApiError(await login("carol", "Carol-Pass-1"), 401, 1005);
    const again = (await login("carol", "Carol-Pass-2")).body.users[0].token as string;
    expect((await api().delete("/v1/users/carol").set("authorization", `Bearer ${admin}`)).status).toBe(200);
    expectApiError(await api().get("/v1/users/carol").set("authorization", `Bearer ${again}`), 401, 1005);
    // a new user given the same name does not inherit the old tokens
    await api().post("/v1/users").set("authorization", `Bearer ${admin}`).send({ username: "carol", password: "Carol-Pass-3" });
    expectApiError(await api().get("/v1/users/carol").set("authorization", `Bearer ${again}`), 401, 1005);
  });

  it("accepts the monitoring key on health, metrics and stats only", async () => {
    const monitor = (path: string, key = monitoringKey) => api().get(path).set("authorization", `Apikey ${key}`);
    expect((await monitor("/v1/health")).body.health).toEqual({ gateway_status: "uninitialized" });
    const metrics = await monitor("/v1/metrics");
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain("waba_webapp_requests_total");
    expect((await monitor("/v1/stats/app")).body.stats.app.messages.queued).toBeGreaterThan(0);
    expect((await monitor("/v1/stats/db")).body.stats.db.tables.messages).toEqual({ rows_estimate: expect.any(Number), size_bytes: expect.any(Number) });
    expectApiError(await monitor("/v1/health", "monitoring-key-wrong-0000"), 401, 1005);
    expectApiError(await monitor("/v1/settings/application"), 401, 1005);
  });

  it("accepts the API key pair as Basic and as a bearer key_id:secret", async () => {
    expect((await api().post("/v1/messages").set("authorization", basic(keyPair.id, keyPair.secret)).send(text)).status).toBe(201);
    expect((await api().post("/v1/messages").set("authorization", `Bearer ${keyPair.id}:${keyPair.secret}`).send(text)).status).toBe(201);
    expectApiError(await api().post("/v1/messages").set("authorization", `Bearer ${keyPair.id}:nope`).send(text), 401, 1005);
    expectApiError(await api().post("/v1/messages").set("authorization", `Bearer unknown-key:${keyPair.secret}`).send(text), 401, 1005);
  });

  describe("with a second WebApp replica on the same database", () => {
    let other: RunningWebapp;
    beforeAll(async () => {
      other = await startWebapp(loadEnv("webapp", h.env), createLogger({ role: "webapp", level: "silent" }), h.env, { now: () => clock });
      await other.webapp.started;
    });
    afterAll(async () => { await other.stop(); });

    /** Milliseconds until `path` on the other replica answers 401 with this token (deadline 5 s). */
    async function lockedOutAfter(token: string): Promise<number> {
      const started = Date.now();
      while (Date.now() - started < 5000) {
        if ((await request(other.url).get("/v1/health").set("authorization", `Bearer ${token}`)).status === 401) return Date.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error("still accepted after 5 s");
    }

    it("refuses a token logged out elsewhere within the revocation poll (1 s)", async () => {
      const token = (await login("admin", adminPassword)).body.users[0].token as string;
      expect((await request(other.url).get("/v1/health").set("authorization", `Bearer ${token}`)).status).toBe(200);
      await api().post("/v1/users/logout").set("authorization", `Bearer ${token}`);
      expect(await lockedOutAfter(token)).toBeLessThan(3000); // the poll, plus slack for a loaded machine
    });

    it("refuses the tokens of a password changed elsewhere within the user cache's bound (1 s)", async () => {
      await api().post("/v1/users").set("authorization", `Bearer ${admin}`).send({ username: "dave", password: "Dave-Pass-1" });
      const dave = (await login("dave", "Dave-Pass-1")).body.users[0].token as string;
      expect((await request(other.url).get("/v1/health").set("authorization", `Bearer ${dave}`)).status).toBe(200);
      await api().put("/v1/users/dave").set("authorization", `Bearer ${admin}`).send({ password: "Dave-Pass-2" });
      expect(await lockedOutAfter(dave)).toBeLessThan(3000);
    });
  });
});
