// Bearer tokens: JWT-shaped (header.payload.signature, base64url), HMAC-SHA256 with the instance's
// WABA_TOKEN_SIGNING_KEY, as the on-prem client's tokens were JWTs. Claims: sub (username), jti
// (token id, for logout), ep (users.token_epoch at issue: bumping the epoch invalidates every
// token of the user), iat and exp (unix seconds). The header is fixed and compared byte for
// byte: no algorithm is ever taken from a token.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const tokenLifetimeMs = 7 * 24 * 3600 * 1000;
const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
/** Longer values are refused before any work. */
const maxTokenLength = 1024;

export interface TokenClaims {
  readonly sub: string;
  readonly jti: string;
  readonly ep: number;
  readonly iat: number;
  readonly exp: number;
}

export type TokenCheck =
  | { readonly ok: true; readonly claims: TokenClaims }
  | { readonly ok: false; readonly reason: "malformed" | "bad signature" | "expired" };

export class TokenSigner {
  private readonly key: Buffer;

  constructor(signingKeyBase64: string) {
    this.key = Buffer.from(signingKeyBase64, "base64");
    if (this.key.length < 32) throw new Error("the token signing key must be at least 32 bytes");
  }

  issue(username: string, epoch: number, nowMs: number): { token: string; claims: TokenClaims } {
    const iat = Math.floor(nowMs / 1000);
    const claims: TokenClaims = { sub: username, jti: randomBytes(12).toString("base64url"), ep: epoch, iat, exp: iat + tokenLifetimeMs / 1000 };
    const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
    return { token: `${header}.${payload}.${this.sign(`${header}.${payload}`)}`, claims };
  }

  verify(token: string, nowMs: number): TokenCheck {
    if (token.length > maxTokenLength) return { ok: false, reason: "malformed" };
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== header) return { ok: false, reason: "malformed" };
    const [, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: "bad signature" };
    const claims = parseClaims(payload);
    if (!claims) return { ok: false, reason: "malformed" };
    if (claims.exp * 1000 <= nowMs) return { ok: false, reason: "expired" };
    return { ok: true, claims };
  }

  private sign(data: string): string {
    return createHmac("sha256", this.key).update(data).digest("base64url");
  }
}

function parseClaims(payload: string): TokenClaims | undefined {
  try {
    const c = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
    const { sub, jti, ep, iat, exp } = c;
    if (typeof sub !== "string" || typeof jti !== "string" || !Number.isInteger(ep) || !Number.isInteger(iat) || !Number.isInteger(exp)) return undefined;
    return { sub, jti, ep: ep as number, iat: iat as number, exp: exp as number };
  } catch {
    return undefined;
  }
}

/** The on-prem login answer's format: "2026-12-01 15:29:26+00:00". */
export function formatExpiry(expSeconds: number): string {
  return new Date(expSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "+00:00");
}
