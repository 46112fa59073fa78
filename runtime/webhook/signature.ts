// X-Hub-Signature-256, as the Cloud API signs its webhooks: `sha256=` + hex HMAC-SHA256 of the raw
// request body with the endpoint's secret. Receivers must verify the exact bytes they received,
// before parsing: a re-serialised body would not match.
import { createHmac, timingSafeEqual } from "node:crypto";

export const signatureHeader = "x-hub-signature-256";

export function signBody(body: string | Uint8Array, secret: string | Uint8Array): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * True when `header` is a valid signature of `body` under `secret`. Compares in constant time;
 * a missing, malformed or differently sized header is simply invalid.
 */
export function verifySignature(body: string | Uint8Array, header: string | string[] | undefined, secret: string | Uint8Array): boolean {
  if (typeof header !== "string" || !/^sha256=[0-9a-f]{64}$/i.test(header)) return false;
  const expected = Buffer.from(signBody(body, secret).slice("sha256=".length), "hex");
  const given = Buffer.from(header.slice("sha256=".length), "hex");
  return timingSafeEqual(expected, given);
}
