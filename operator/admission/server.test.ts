// The webhook server over real HTTPS on loopback, with certificates made by openssl.
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect } from "node:tls";
import { Agent, request } from "undici";
import { waitFor } from "../../e2e/testing/wait.js";
import { instance } from "../api/testing/examples.js";
import { testConfig } from "../config/testing/config.js";
import { createLogger } from "../controller/logger.js";
import { OperatorMetrics } from "../controller/metrics.js";
import { maxBodyBytes, startAdmissionServer, validatePath, type AdmissionServer } from "./server.js";
import { admissionReview, reviewUid } from "./testing/reviews.js";
import { certificateDir, createCertificateAuthority, fingerprintOf, servedFingerprint } from "./testing/certificates.js";

const tmp = certificateDir("waba-admission-server-");
const certFile = join(tmp.dir, "tls.crt");
const keyFile = join(tmp.dir, "tls.key");
const ca = createCertificateAuthority(tmp.dir);
const firstCert = ca.issue(certFile, keyFile);
const metrics = new OperatorMetrics({ defaultMetrics: false });
const logLines: string[] = [];
const logger = createLogger({ level: "debug", destination: { write: (line: string) => { logLines.push(line); } } });
const first = instance({ phoneNumber: "+15551234567" }, "first", "shop");

let server: AdmissionServer;
let agent: Agent;
beforeAll(async () => {
  server = await startAdmissionServer({ port: 0, host: "127.0.0.1", certFile, keyFile, config: testConfig, instances: () => [first], logger, metrics, certReloadIntervalMs: 100 });
  agent = new Agent({ connect: { ca: ca.caPem } });
});
afterAll(async () => {
  await agent.close();
  await server.close();
  tmp.remove();
});

const url = (path: string) => `https://127.0.0.1:${server.port}${path}`;
async function post(body: string, contentType = "application/json") {
  const res = await request(url(`${validatePath}?timeout=5s`), { method: "POST", body, headers: { "content-type": contentType }, dispatcher: agent });
  return { status: res.statusCode, text: await res.body.text() };
}
const review = (spec: Record<string, unknown>) => JSON.stringify(admissionReview("CREATE", instance(spec, "acme", "acme")));
/** Bytes written by hand on a TLS connection (what a well-behaved client would not send); resolves with the server's answer. */
async function rawRequest(text: string): Promise<string> {
  const socket = connect({ host: "127.0.0.1", port: server.port, ca: ca.caPem });
  socket.on("error", () => undefined); // the server may close while the body is still being written
  await once(socket, "secureConnect");
  let answer = "";
  socket.setEncoding("utf8").on("data", (d: string) => (answer += d));
  socket.write(text);
  await once(socket, "close");
  return answer;
}
const rawPost = (header: string, body: string) => rawRequest(`POST ${validatePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${header}\r\n\r\n${body}`);
async function counted(result: string): Promise<number> {
  const values = (await metrics.registry.getSingleMetric("operator_admission_requests_total")?.get())?.values ?? [];
  return values.find((v) => v.labels.result === result)?.value ?? 0;
}

describe("the admission webhook server", () => {
  it("answers an AdmissionReview over HTTPS, echoing its uid, and counts it by result", async () => {
    const denied = await counted("denied");
    const res = await post(review({ phoneNumber: "+15551234567" }));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      kind: "AdmissionReview",
      response: { uid: reviewUid, allowed: false, status: { message: "spec.phoneNumber: +15551234567 is already used by WabaInstance shop/first" } },
    });
    expect(await counted("denied")).toBe(denied + 1);
    const allowed = await counted("allowed");
    expect(JSON.parse((await post(review({ phoneNumber: "+15550000000" }))).text)).toMatchObject({ response: { allowed: true } });
    expect(await counted("allowed")).toBe(allowed + 1);
  });

  it("serves /healthz", async () => {
    const res = await request(url("/healthz"), { dispatcher: agent });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toBe("ok\n");
  });

  it("answers what is not a review with 4xx and keeps serving", async () => {
    const malformed = await counted("malformed");
    expect(await post("{not json")).toMatchObject({ status: 400, text: expect.stringContaining("not JSON") as string });
    expect(await post(JSON.stringify({ kind: "AdmissionReview" }))).toMatchObject({ status: 400, text: expect.stringContaining("apiVersion") as string });
    expect((await post(review({}), "text/plain")).status).toBe(415);
    expect(await rawPost(`Content-Length: ${maxBodyBytes + 1}`, "")).toMatch(/^HTTP\/1.1 413 /);
    expect(await rawPost("Transfer-Encoding: chunked", `${(maxBodyBytes + 1).toString(16)}\r\n${"x".repeat(maxBodyBytes + 1)}\r\n0\r\n\r\n`)).toMatch(/^HTTP\/1.1 413 /);
    expect(await rawRequest("\u0000\u00ff not HTTP at all\r\n\r\n")).toMatch(/^HTTP\/1.1 400 /);
    expect((await request(url(validatePath), { dispatcher: agent })).statusCode).toBe(405);
    expect((await request(url("/metrics"), { dispatcher: agent })).statusCode).toBe(404);
    expect(await counted("malformed")).toBe(malformed + 4);
    expect((await post(review({ phoneNumber: "+15550000000" }))).status).toBe(200);
  });

  it("refuses TLS older than 1.2", async () => {
    // SECLEVEL=0 lets this client offer TLS 1.1 at all, so the refusal is the server's alert.
    const socket = connect({ host: "127.0.0.1", port: server.port, ca: ca.caPem, minVersion: "TLSv1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" });
    await expect(once(socket, "secureConnect")).rejects.toMatchObject({ code: "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION" });
    socket.destroy();
  });

  it("serves a new certificate to new connections once the files change, and keeps the old one while the new pair is unusable", async () => {
    expect(await servedFingerprint(server.port)).toBe(fingerprintOf(firstCert));
    writeFileSync(certFile, "not a certificate");
    await waitFor(() => logLines.some((l) => l.includes("keeping the current webhook certificate")), { what: "a warning about the unusable certificate" });
    expect(await servedFingerprint(server.port)).toBe(fingerprintOf(firstCert));

    const next = createCertificateAuthority(tmp.dir, "rotated-ca");
    const rotated = next.issue(certFile, keyFile);
    await waitFor(async () => (await servedFingerprint(server.port)) === fingerprintOf(rotated), { what: "the rotated certificate on a new connection" });
    const rotatedAgent = new Agent({ connect: { ca: next.caPem } });
    try {
      expect((await request(url("/healthz"), { dispatcher: rotatedAgent })).statusCode).toBe(200);
    } finally {
      await rotatedAgent.close();
    }
  });

  it("does not start without a readable certificate, naming the file", async () => {
    const missing = join(tmp.dir, "missing.crt");
    await expect(startAdmissionServer({ port: 0, host: "127.0.0.1", certFile: missing, keyFile, config: testConfig, instances: () => [], logger })).rejects.toThrow(
      `cannot read the webhook's TLS file ${missing}: ENOENT`,
    );
  });
});
