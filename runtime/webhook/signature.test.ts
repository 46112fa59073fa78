import { createHmac } from "node:crypto";
import fc from "fast-check";
import { signBody, verifySignature } from "./signature.js";

describe("X-Hub-Signature-256", () => {
  it("is sha256= and the hex HMAC-SHA256 of the raw body with the secret", () => {
    const body = '{"statuses":[]}';
    const expected = createHmac("sha256", "app-secret").update(body).digest("hex");
    expect(signBody(body, "app-secret")).toBe(`sha256=${expected}`);
  });

  it("verifies a signature made with the same secret over the same bytes, whatever they are", () => {
    fc.assert(fc.property(fc.uint8Array(), fc.string({ minLength: 1 }), (body, secret) => verifySignature(body, signBody(body, secret), secret)));
  });

  it("refuses another secret, an altered body, a re-serialised body and malformed headers", () => {
    const body = '{"statuses": [{"id": "x"}]}';
    const header = signBody(body, "s1");
    expect(verifySignature(body, header, "s2")).toBe(false);
    expect(verifySignature(`${body} `, header, "s1")).toBe(false);
    expect(verifySignature(JSON.stringify(JSON.parse(body)), header, "s1")).toBe(false);
    for (const bad of [undefined, "", "sha256=", "sha1=abc", header.slice(0, -2), [header]]) {
      expect(verifySignature(body, bad, "s1")).toBe(false);
    }
  });
});
