import { Registry, Counter } from "prom-client";
import request from "supertest";
import { startHealthServer, type HealthServer } from "./health-server.js";

describe("the health and metrics server", () => {
  let server: HealthServer;
  let ready = false;
  const registry = new Registry();
  new Counter({ name: "example_total", help: "an example", registers: [registry] }).inc(3);

  beforeAll(async () => { server = await startHealthServer({ port: 0, host: "127.0.0.1", registry, ready: () => ready }); });
  afterAll(async () => { await server.close(); });
  const url = () => `http://127.0.0.1:${server.port}`;

  it("says the process is alive", async () => {
    await request(url()).get("/healthz").expect(200, "ok\n");
  });

  it("is not ready until the informers have synced, then is", async () => {
    ready = false;
    await request(url()).get("/readyz").expect(503);
    ready = true;
    await request(url()).get("/readyz").expect(200);
  });

  it("serves the registry in Prometheus text format", async () => {
    const res = await request(url()).get("/metrics").expect(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    expect(res.text).toContain("example_total 3");
  });

  it("answers 404 elsewhere and 405 to writes", async () => {
    await request(url()).get("/nope").expect(404);
    await request(url()).post("/healthz").expect(405);
  });
});
