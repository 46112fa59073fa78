import { randomBytes } from "node:crypto";
import { formatExpiry, TokenSigner, tokenLifetimeMs } from "./tokens.js";

const key = randomBytes(32).toString("base64");
const signer = new TokenSigner(key);
const t0 = Date.UTC(2026, 0, 10, 12, 0, 0);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("bearer tokens", () => {
  it("carry the user, a token id and the user's token epoch, and last seven days", () => {
    const { token, claims } = signer.issue("alice", 3, t0);
    const check = signer.verify(token, t0 + tokenLifetimeMs - 1000);
    expect(check).toEqual({ ok: true, claims });
    expect(claims).toMatchObject({ sub: "alice", ep: 3, exp: (t0 + tokenLifetimeMs) / 1000 });
    expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(signer.issue("alice", 3, t0).claims.jti).not.toBe(claims.jti);
  });

  it("are refused once expired", () => {
    const { token } = signer.issue("alice", 0, t0);
    expect(signer.verify(token, t0 + tokenLifetimeMs)).toEqual({ ok: false, reason: "expired" });
  });

  it("are refused when signed with another key or altered", () => {
    const { token } = new TokenSigner(randomBytes(32).toString("base64")).issue("alice", 0, t0);
    expect(signer.verify(token, t0)).toEqual({ ok: false, reason: "bad signature" });
    const [header, , signature] = signer.issue("alice", 0, t0).token.split(".");
    const forged = `${header}.${b64({ sub: "admin", jti: "x", ep: 0, iat: t0 / 1000, exp: t0 / 1000 + 3600 })}.${signature}`;
    expect(signer.verify(forged, t0)).toEqual({ ok: false, reason: "bad signature" });
  });

  it("never take their algorithm from the token (alg none is refused)", () => {
    const unsigned = `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: "admin", jti: "x", ep: 0, iat: 1, exp: 4e9 })}.`;
    expect(signer.verify(unsigned, t0)).toEqual({ ok: false, reason: "malformed" });
  });

  it("are refused when malformed or absurdly long", () => {
    for (const bad of ["", "abc", "a.b", "a.b.c.d", "x".repeat(5000)]) expect(signer.verify(bad, t0).ok).toBe(false);
  });

  it("report their expiry the way the on-prem client did", () => {
    expect(formatExpiry(Date.UTC(2026, 11, 1, 15, 29, 26) / 1000)).toBe("2026-12-01 15:29:26+00:00");
  });
});
