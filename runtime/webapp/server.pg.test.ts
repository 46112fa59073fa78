import { jest } from "@jest/globals";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, request as raw } from "undici";
import { loadEnv } from "../config/env.js";
import { migrate } from "../db/migrate.js";
import { poolFromUrl } from "../db/pool.js";
import { createTestDatabase, freePort } from "../db/testing/postgres.js";
import { createLogger } from "../observability/logger.js";
import { instanceEnv } from "../testing/env.js";
import { startWebapp } from "./server.js";

jest.setTimeout(90_000);

const logger = createLogger({ role: "webapp", level: "silent" });

async function until(check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the webapp server", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dir: string;
  beforeEach(async () => {
    db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!, "webapp_srv");
    dir = mkdtempSync(join(tmpdir(), "waba-webapp-"));
  });
  afterEach(async () => {
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers 503 until the schema is migrated, then serves", async () => {
    const env = instanceEnv(db.url, { WABA_MEDIA_DIR: dir });
    const app = await startWebapp(loadEnv("webapp", env), logger, env);
    try {
      const ready = await raw(`${app.url}/readyz`);
      expect(ready.statusCode).toBe(503);
      await ready.body.dump();
      const api = await raw(`${app.url}/v1/health`, { headers: { authorization: "Apikey monitoring-key-0123456789" } });
      expect(api.statusCode).toBe(503);
      expect(((await api.body.json()) as { errors: { code: number }[] }).errors[0]!.code).toBe(1011);
      const pool = poolFromUrl(db.url, 1);
      await migrate(pool);
      await pool.end();
      await until(async () => (await raw(`${app.url}/readyz`)).statusCode === 200, 10_000);
      const health = await raw(`${app.url}/v1/health`, { headers: { authorization: "Apikey monitoring-key-0123456789" } });
      expect(health.statusCode).toBe(200);
      await health.body.dump();
    } finally {
      await app.stop();
    }
  });

  it("serves HTTPS when a certificate and key are mounted", async () => {
    const cert = join(dir, "tls.crt");
    const key = join(dir, "tls.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const env = instanceEnv(db.url, { WABA_MEDIA_DIR: dir, WABA_TLS_CERT_FILE: cert, WABA_TLS_KEY_FILE: key });
    const app = await startWebapp(loadEnv("webapp", env), logger, env);
    const agent = new Agent({ connect: { ca: readFileSync(cert) } });
    try {
      expect(app.url).toMatch(/^https:/);
      const res = await raw(`${app.url}/healthz`, { dispatcher: agent });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
      await expect(raw(`http://127.0.0.1:${app.port}/healthz`)).rejects.toThrow();
    } finally {
      await agent.close();
      await app.stop();
    }
  });

  it("refuses a certificate without its key", async () => {
    const env = instanceEnv(db.url, { WABA_MEDIA_DIR: dir, WABA_TLS_CERT_FILE: "/nonexistent/tls.crt" });
    await expect(startWebapp(loadEnv("webapp", env), logger, env)).rejects.toThrow("WABA_TLS_CERT_FILE and WABA_TLS_KEY_FILE");
  });

  it("runs as the webapp role of the runtime's entry point and stops on SIGTERM", async () => {
    const pool = poolFromUrl(db.url, 1);
    await migrate(pool);
    await pool.end();
    const port = await freePort();
    const child = spawn(process.execPath, ["--import", "tsx", "runtime/main.ts", "webapp"], {
      env: { ...process.env, ...instanceEnv(db.url, { WABA_MEDIA_DIR: dir, WABA_PORT: String(port) }) },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await until(async () => {
        const res = await raw(`http://127.0.0.1:${port}/readyz`);
        await res.body.dump();
        return res.statusCode === 200;
      }, 30_000);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
