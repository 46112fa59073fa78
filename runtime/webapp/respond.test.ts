import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { createLogger } from "../observability/logger.js";
import { ApiError } from "./errors.js";
import { sendError, type ErrorShape } from "./respond.js";

/** A server whose every request fails with `err`, and the log lines it wrote. */
async function failingServer(shape: ErrorShape, err: unknown): Promise<{ url: string; logs: string[]; server: Server }> {
  const logs: string[] = [];
  const logger = createLogger({ role: "webapp", level: "info" }, new Writable({ write(chunk, _enc, done) { logs.push(String(chunk)); done(); } }));
  const server = createServer((req, res) => { sendError(shape, res, err, { method: req.method, route: "/v1/test" }, logger); });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logs, server };
}

describe("error answers", () => {
  it("turn an unknown error into a bare 500 naming a request id that the log line carries, never the message", async () => {
    const { url, logs, server } = await failingServer("onprem", new Error("relation \"users\" does not exist at 10.0.0.7"));
    try {
      const res = await fetch(url);
      const body = (await res.json()) as { errors: { code: number; title: string; details: string }[]; meta: unknown };
      expect(res.status).toBe(500);
      expect(body.errors).toEqual([{ code: 1014, title: "Internal error", details: expect.stringMatching(/^request \S+ failed; the server logged it$/) }]);
      expect(body.meta).toEqual({ version: expect.any(String), api_status: "stable" });
      expect(JSON.stringify(body)).not.toContain("10.0.0.7");
      const requestId = res.headers.get("x-request-id")!;
      expect(body.errors[0]!.details).toContain(requestId);
      expect(logs.some((line) => line.includes(requestId) && line.includes("request failed"))).toBe(true);
    } finally {
      server.close();
    }
  });

  it("answer the database being out of reach with 503, Retry-After and no internal message, logged as a warning at most once a second", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:5432"), { code: "ECONNREFUSED" });
    const { url, logs, server } = await failingServer("onprem", refused);
    try {
      const res = await fetch(url);
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      expect(((await res.json()) as { errors: unknown }).errors).toEqual([{ code: 1011, title: "Service not ready", details: "the database is unavailable; retry later" }]);
      expect(logs.map((line) => (JSON.parse(line) as { level: number; msg: string })).map(({ level, msg }) => ({ level, msg }))).toEqual([{ level: 40, msg: "database unavailable" }]);
      // a burst of refusals: at most one warning a second
      const burstStart = performance.now();
      const burst = await Promise.all(Array.from({ length: 20 }, () => fetch(url).then((r) => r.status)));
      expect(burst).toEqual(Array(20).fill(503));
      expect(logs.length).toBeLessThanOrEqual(1 + Math.ceil((performance.now() - burstStart) / 1000));
    } finally {
      server.close();
    }
  });

  it("answer a known error in the Cloud shape on the Cloud surface, with its headers", async () => {
    const { url, logs, server } = await failingServer("cloud", new ApiError("rateLimited", "slow down", { "retry-after": "2" }));
    try {
      const res = await fetch(url);
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("2");
      expect(await res.json()).toEqual({ error: expect.objectContaining({ code: 130429, message: "(#130429) Too many requests", fbtrace_id: res.headers.get("x-request-id") }) });
      expect(logs).toEqual([]);
    } finally {
      server.close();
    }
  });
});
