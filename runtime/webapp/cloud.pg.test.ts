import { jest } from "@jest/globals";
import { createHash } from "node:crypto";
import { request as raw } from "undici";
import { Sealer } from "../crypto/at-rest.js";
import { keyPair, startHarness, type Harness } from "./testing/harness.js";

jest.setTimeout(60_000);

// The requests below are byte for byte what Cloud API SDKs send: Meta's Node SDK
// (WhatsApp/WhatsApp-Nodejs-SDK: POST /{version}/{phone_number_id}/messages with Content-Type,
// Authorization: Bearer and User-Agent, body {messaging_product, recipient_type, to, type,
// [type]: payload, context?}) and the Python SDKs' media upload (python-requests multipart with
// the form fields first, then the file). That SDK only speaks https on port 443, so it cannot be
// pointed at a test port itself.
describe("the Cloud API surface", () => {
  let h: Harness;
  let pnid: string;
  let bearer: string;
  beforeAll(async () => {
    h = await startHarness({ otherRateLimit: { ratePerSecond: 1000, burst: 1000 } });
    pnid = h.env.WABA_PHONE_NUMBER_ID!;
    bearer = `Bearer ${keyPair.id}:${keyPair.secret}`;
  });
  afterAll(async () => { await h.close(); });

  async function sdkSend(body: object, auth = bearer, version = "v16.0", number = pnid) {
    const res = await raw(`${h.url}/${version}/${number}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: auth, "User-Agent": "WA_SDK/1.0.0 (Node.js v20.20.2)" },
      body: JSON.stringify(body),
    });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  }
  const cloudError = (code: number) => ({ error: { message: expect.stringMatching(new RegExp(`^\\(#${code}\\) `)), type: expect.any(String), code, error_data: { messaging_product: "whatsapp", details: expect.any(String) }, fbtrace_id: expect.any(String) } });

  it("sends a text message and answers in the Cloud shape", async () => {
    const res = await sdkSend({ messaging_product: "whatsapp", recipient_type: "individual", to: "15551234567", type: "text", text: { body: "Hello from the SDK", preview_url: false } });
    expect(res).toEqual({ status: 200, body: { messaging_product: "whatsapp", contacts: [{ input: "15551234567", wa_id: "15551234567" }], messages: [{ id: expect.stringMatching(/^wamid\./) }] } });
    const id = (res.body.messages as { id: string }[])[0]!.id;
    const { rows } = await h.pool.query("SELECT recipient, body FROM messages WHERE id = $1", [id]);
    const sealer = await Sealer.fromBase64Key(h.env.WABA_ENCRYPTION_KEY!);
    expect(rows[0].recipient).toBe("15551234567");
    expect(sealer.openJson(rows[0].body)).toEqual({ type: "text", text: { body: "Hello from the SDK", preview_url: false } });
  });

  it("sends replies, templates, interactive messages and media by link as the SDK builds them", async () => {
    const bodies = [
      { type: "text", text: { body: "a reply" }, context: { message_id: "wamid.PREVIOUS" } },
      { type: "template", template: { name: "hello_world", language: { code: "en_US" } } },
      { type: "template", template: { name: "order_update", language: { code: "en", policy: "deterministic" }, components: [{ type: "header", parameters: [{ type: "image", image: { link: "https://cdn.example/h.png" } }] }, { type: "body", parameters: [{ type: "text", text: "Ann" }, { type: "date_time", date_time: { fallback_value: "Monday" } }] }] } },
      { type: "interactive", interactive: { type: "button", body: { text: "Confirm?" }, action: { buttons: [{ type: "reply", reply: { id: "yes", title: "Yes" } }, { type: "reply", reply: { id: "no", title: "No" } }] } } },
      { type: "image", image: { link: "https://cdn.example/photo.jpg", caption: "look" } },
      { type: "location", location: { latitude: 52.52, longitude: 13.405, name: "Office", address: "Street 1" } },
      { type: "reaction", reaction: { message_id: "wamid.PREVIOUS", emoji: "\u{1F44D}" } },
    ];
    for (const b of bodies) {
      const res = await sdkSend({ messaging_product: "whatsapp", recipient_type: "individual", to: "4915123456789", ...b });
      expect([b.type, res.status]).toEqual([b.type, 200]);
    }
  });

  it("marks an inbound message read with the SDK's status call", async () => {
    await h.pool.query("INSERT INTO inbound_messages (id, from_wa_id, bucket, type, body) VALUES ('wamid.FROMUSER', '15557654321', 3, 'text', '\\x00')");
    expect(await sdkSend({ messaging_product: "whatsapp", status: "read", message_id: "wamid.FROMUSER" })).toEqual({ status: 200, body: { success: true } });
    const { rows } = await h.pool.query("SELECT read_requested_at FROM inbound_messages WHERE id = 'wamid.FROMUSER'");
    expect(rows[0].read_requested_at).not.toBeNull();
  });

  it("uploads, describes, downloads and deletes media like the SDKs do", async () => {
    const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.from("not really an image, but bytes")]);
    const boundary = "1d3a6c0e8f6a4b2c9e7d5f3a1b0c9d8e";
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="messaging_product"\r\n\r\nwhatsapp\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="type"\r\n\r\nimage/png\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n`),
      png,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const upload = await raw(`${h.url}/v19.0/${pnid}/media`, {
      method: "POST",
      headers: { Authorization: bearer, "Content-Type": `multipart/form-data; boundary=${boundary}`, "User-Agent": "python-requests/2.32.3" },
      body,
    });
    expect(upload.statusCode).toBe(200);
    const { id } = (await upload.body.json()) as { id: string };

    const meta = await raw(`${h.url}/v19.0/${id}`, { headers: { Authorization: bearer } });
    const info = (await meta.body.json()) as { url: string };
    expect(info).toEqual({ messaging_product: "whatsapp", url: `${h.url}/v1/media/${id}`, mime_type: "image/png", sha256: createHash("sha256").update(png).digest("hex"), file_size: png.length, id });
    const download = await raw(info.url, { headers: { Authorization: bearer } });
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-type"]).toBe("image/png");
    expect(Buffer.from(await download.body.arrayBuffer()).equals(png)).toBe(true);

    expect((await sdkSend({ messaging_product: "whatsapp", to: "15551234567", type: "image", image: { id } })).status).toBe(200);

    // undici's FormData encoder (what fetch-based SDKs send) works too
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("file", new Blob([png], { type: "image/png" }), "again.png");
    const second = await fetch(`${h.url}/v19.0/${pnid}/media`, { method: "POST", headers: { Authorization: bearer }, body: form });
    expect(second.status).toBe(200);

    const del = await raw(`${h.url}/v19.0/${id}`, { method: "DELETE", headers: { Authorization: bearer } });
    expect(await del.body.json()).toEqual({ success: true });
    const gone = await raw(`${h.url}/v19.0/${id}`, { headers: { Authorization: bearer } });
    expect(gone.statusCode).toBe(404);
    expect(await gone.body.json()).toEqual({ error: { ...cloudError(100).error, error_subcode: 33, type: "GraphMethodException" } });
  });

  it("answers errors in the Graph shape: bad token, unknown phone number id, invalid parameters", async () => {
    const text = { messaging_product: "whatsapp", to: "15551234567", type: "text", text: { body: "x" } };
    const unauth = await sdkSend(text, "Bearer EAAGm0PX4ZCpsBAKjunk");
    expect(unauth).toEqual({ status: 401, body: cloudError(190) });
    expect(await sdkSend(text, bearer, "v16.0", "123456789")).toEqual({ status: 404, body: { error: { ...cloudError(100).error, error_subcode: 33, type: "GraphMethodException" } } });
    const invalid = await sdkSend({ ...text, to: "not-a-number" });
    expect(invalid).toEqual({ status: 400, body: cloudError(131009) });
    expect((invalid.body.error as { error_data: { details: string } }).error_data.details).toMatch(/^to: /);
    const missing = await sdkSend({ to: "15551234567", type: "text", text: { body: "x" } });
    expect(missing).toEqual({ status: 400, body: cloudError(131008) });
    expect((await sdkSend(text, bearer, "v16.0", pnid)).status).toBe(200);
    const unknownPath = await raw(`${h.url}/v16.0/${pnid}/whatever`, { method: "POST", headers: { Authorization: bearer } });
    expect(unknownPath.statusCode).toBe(404);
    expect(await unknownPath.body.json()).toMatchObject({ error: { code: 100 } });
  });

  it("accepts a login token as the bearer too", async () => {
    const token = await h.adminToken();
    const res = await sdkSend({ messaging_product: "whatsapp", to: "15551234567", type: "text", text: { body: "via token" } }, `Bearer ${token}`);
    expect(res.status).toBe(200);
  });
});
