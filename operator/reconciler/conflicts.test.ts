import { instance } from "../api/testing/examples.js";
import type { WabaInstance } from "../api/types.js";
import { numberOwner, sameNumberKeys } from "./conflicts.js";

function at(name: string, namespace: string, created: string, uid: string, phoneNumber = "+15551234567"): WabaInstance {
  const i = instance({ phoneNumber }, name, namespace);
  Object.assign(i.metadata, { uid, creationTimestamp: created }); // cached objects hold the API's strings
  return i;
}

describe("one number, one instance", () => {
  const first = at("first", "team-a", "2026-01-01T10:00:00Z", "b-uid");
  const second = at("second", "team-b", "2026-01-01T10:00:05Z", "a-uid");
  const other = at("other", "team-b", "2026-01-01T09:00:00Z", "c-uid", "+4930123456");

  it("lets the oldest instance with a number own it, in any namespace", () => {
    const all = [second, other, first];
    expect(numberOwner(first, all)).toBeUndefined();
    expect(numberOwner(second, all)?.metadata.name).toBe("first");
    expect(numberOwner(other, all)).toBeUndefined();
  });

  it("breaks a tie of creation times by uid, so every replica decides the same", () => {
    const twin = at("twin", "team-c", "2026-01-01T10:00:00Z", "a-uid-older");
    expect(numberOwner(first, [first, twin])?.metadata.name).toBe("twin");
    expect(numberOwner(twin, [first, twin])).toBeUndefined();
  });

  it("gives the number to the next oldest once the owner is gone", () => {
    expect(numberOwner(second, [second, other])).toBeUndefined();
  });

  it("names the other instances with the same number, whose turn may come", () => {
    expect(sameNumberKeys(first, [first, second, other])).toEqual(["team-b/second"]);
    expect(sameNumberKeys(other, [first, second, other])).toEqual([]);
  });
});
