// A real WebApp on a loopback port over its own migrated test database (the migrate role seeds
// the admin and the API key pair), with a small real key directory on loopback for contact
// checks. Each suite starts one and closes it in afterAll.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type pg from "pg";
import { loadEnv } from "../../config/env.js";
import { poolFromUrl } from "../../db/pool.js";
import { createTestDatabase } from "../../db/testing/postgres.js";
import { runMigrate } from "../../migrate/main.js";
import { createLogger } from "../../observability/logger.js";
import { instanceEnv } from "../../testing/env.js";
import type { WebappOptions } from "../app.js";
import { startWebapp, type RunningWebapp } from "../server.js";

export const adminPassword = "Admin-Pass-2!";
export const keyPair = { id: "machine-key", secret: "machine-secret-0123456789" };
export const monitoringKey = "monitoring-key-0123456789";

export interface Harness {
  readonly url: string;
  /** The suite's database. */
  readonly dbUrl: string;
  readonly pool: pg.Pool;
  readonly app: RunningWebapp;
  readonly env: NodeJS.ProcessEnv;
  /** wa_ids the key directory knows (add to it freely). */
  readonly onWhatsApp: Set<string>;
  /** Logs in as admin (changing the initial password the first time); a bearer token. */
  adminToken(): Promise<string>;
  close(): Promise<void>;
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;

export interface HarnessOptions extends WebappOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Builds the WebApp's pool from the database URL (to wrap it, e.g. count statements). */
  readonly makePool?: (url: string) => pg.Pool;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!, "webapp");
  const mediaDir = mkdtempSync(join(tmpdir(), "waba-media-"));
  const onWhatsApp = new Set<string>();
  const directory = await keyDirectory(onWhatsApp);
  const env = instanceEnv(db.url, {
    WABA_MEDIA_DIR: mediaDir,
    WABA_GATEWAY_URL: `ws://127.0.0.1:${(directory.address() as AddressInfo).port}`,
    ...options.env,
  });
  const logger = createLogger({ role: "webapp", level: "silent" });
  await runMigrate(loadEnv("migrate", env), logger);
  const pool = poolFromUrl(db.url, 4);
  const appPool = options.makePool?.(db.url);
  const app = await startWebapp(loadEnv("webapp", env), logger, env, appPool ? { ...options, pool: appPool } : options);
  await app.webapp.started;
  const login = (password: string, body: object) => fetch(`${app.url}/v1/users/login`, {
    method: "POST",
    headers: { authorization: basic("admin", password), "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return {
    url: app.url, dbUrl: db.url, pool, app, env, onWhatsApp,
    async adminToken() {
      let res = await login(adminPassword, {});
      if (res.status !== 200) res = await login(env.WABA_ADMIN_PASSWORD!, { new_password: adminPassword });
      const body = (await res.json()) as { users?: { token: string }[] };
      if (res.status !== 200 || !body.users?.[0]) throw new Error(`admin login failed: ${res.status} ${JSON.stringify(body)}`);
      return body.users[0].token;
    },
    async close() {
      await app.stop();
      await appPool?.end();
      await pool.end();
      await new Promise((resolve) => directory.close(resolve));
      await db.drop();
      rmSync(mediaDir, { recursive: true, force: true });
    },
  };
}

/** POST /v1/keys: a (fixed) key for each known number asked for; others are left out. */
async function keyDirectory(known: Set<string>): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method !== "POST" || req.url !== "/v1/keys") return void res.writeHead(404).end();
      const { wa_ids: asked } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { wa_ids: string[] };
      const keys = asked.filter((id) => known.has(id)).map((id) => ({ wa_id: id, public_key: Buffer.alloc(32, 1).toString("base64") }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Asserts an on-prem error answer: the status, the error object with the code, and meta. */
export function expectApiError(res: { status: number; body: unknown }, status: number, code: number): string {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({
    errors: [{ code, title: expect.any(String), details: expect.any(String) }],
    meta: { version: expect.any(String), api_status: "stable" },
  });
  return (res.body as { errors: { details: string }[] }).errors[0]!.details;
}
