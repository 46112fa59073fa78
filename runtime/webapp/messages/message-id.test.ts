import fc from "fast-check";
import { newMessageId, sortableTime } from "./message-id.js";

const maxMs = 2 ** 48 - 1;

describe("message ids", () => {
  it("are wamid. and 24 base64url characters, and differ within one millisecond", () => {
    const ids = Array.from({ length: 1000 }, () => newMessageId(1_764_000_000_000));
    for (const id of ids) expect(id).toMatch(/^wamid\.[A-Za-z0-9_-]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("sort bytewise (PostgreSQL's C collation) in the order of their times", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: maxMs }), fc.integer({ min: 0, max: maxMs }), (a, b) => {
      fc.pre(a < b);
      expect(Buffer.compare(Buffer.from(newMessageId(a)), Buffer.from(newMessageId(b)))).toBe(-1);
    }));
  });

  it("encode every bit of the time", () => {
    expect(sortableTime(0)).toBe("--------");
    expect(sortableTime(maxMs)).toBe("zzzzzzzz");
    expect(sortableTime(64)).toBe("------0-");
  });
});
