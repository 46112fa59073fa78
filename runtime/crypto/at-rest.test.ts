import { randomBytes } from "node:crypto";
import { Sealer } from "./at-rest.js";

const key = () => randomBytes(32).toString("base64");

describe("sealing at rest", () => {
  it("round-trips text and JSON, with a fresh nonce each time", async () => {
    const sealer = await Sealer.fromBase64Key(key());
    const a = sealer.seal("hello");
    const b = sealer.seal("hello");
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from("hello"))).toBe(false);
    expect(sealer.open(a).toString()).toBe("hello");
    expect(sealer.openJson(sealer.sealJson({ text: { body: "hi" } }))).toEqual({ text: { body: "hi" } });
  });

  it("refuses altered data and data sealed with another key", async () => {
    const sealer = await Sealer.fromBase64Key(key());
    const sealed = sealer.seal("secret body");
    sealed[sealed.length - 1]! ^= 1;
    expect(() => sealer.open(sealed)).toThrow();
    const other = await Sealer.fromBase64Key(key());
    expect(() => other.open(sealer.seal("x"))).toThrow();
  });

  it("gives equal content equal addresses, and different keys different addresses", async () => {
    const one = await Sealer.fromBase64Key(key());
    const two = await Sealer.fromBase64Key(key());
    const content = Buffer.from("picture bytes");
    expect(one.address(content)).toBe(one.address(Buffer.from("picture bytes")));
    expect(one.address(content)).toMatch(/^[0-9a-f]{64}$/);
    expect(one.address(content)).not.toBe(two.address(content));
  });

  it("refuses a key of the wrong size", async () => {
    await expect(Sealer.fromBase64Key(randomBytes(16).toString("base64"))).rejects.toThrow("32 bytes");
  });
});
