import { signBody } from "../signature.js";
import { startReceiver, type WebhookReceiver } from "./receiver.js";

describe("the test webhook receiver", () => {
  let receiver: WebhookReceiver;
  beforeEach(async () => { receiver = await startReceiver({ secret: "s3cret", verifyToken: "token" }); });
  afterEach(async () => { await receiver.close(); });

  const post = (body: string, signature = signBody(body, "s3cret")) =>
    fetch(receiver.url, { method: "POST", body, headers: { "content-type": "application/json", "x-hub-signature-256": signature } });
  const statuses = JSON.stringify({ statuses: [{ id: "wamid.1", recipient_id: "1555", status: "sent", timestamp: "1" }] });

  it("records signed events once each, counting repeats as duplicates", async () => {
    expect((await post(statuses)).status).toBe(200);
    expect((await post(statuses)).status).toBe(200);
    expect(receiver.events.get("status:wamid.1:sent")).toMatchObject({ kind: "status", format: "onprem", count: 2 });
    expect(receiver.duplicates).toBe(1);
  });

  it("refuses a wrong signature with 401 and a body of neither format with 400, recording nothing", async () => {
    expect((await post(statuses, signBody(statuses, "other"))).status).toBe(401);
    const odd = JSON.stringify({ object: "page", entry: [] });
    expect((await post(odd)).status).toBe(400);
    expect([receiver.events.size, receiver.badSignatures, receiver.malformed]).toEqual([0, 1, 1]);
  });

  it("answers as told and records events only on success", async () => {
    receiver.respond({ status: 503 });
    expect((await post(statuses)).status).toBe(503);
    expect(receiver.events.size).toBe(0);
    receiver.respond("hang");
    await expect(fetch(receiver.url, { method: "POST", body: statuses, headers: { "x-hub-signature-256": signBody(statuses, "s3cret") }, signal: AbortSignal.timeout(200) })).rejects.toThrow();
    expect(receiver.requests.map((r) => r.answered)).toEqual([503, undefined]);
  });

  it("refuses connections while down and comes back on the same port", async () => {
    await receiver.down();
    await expect(post(statuses)).rejects.toThrow();
    await receiver.up();
    expect((await post(statuses)).status).toBe(200);
  });

  it("echoes the Cloud subscription challenge for the right verify token only", async () => {
    const check = (token: string) => fetch(`${receiver.url}?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=42`);
    const ok = await check("token");
    expect([ok.status, await ok.text()]).toEqual([200, "42"]);
    expect((await check("wrong")).status).toBe(403);
  });
});
