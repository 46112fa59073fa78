import { randomPooled } from "./random.js";

describe("pooled random bytes", () => {
  it("never hand out the same bytes twice, across refills", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) seen.add(randomPooled(24).toString("hex"));
    expect(seen.size).toBe(2000);
  });

  it("return copies that later calls do not change", () => {
    const first = randomPooled(16);
    const kept = Buffer.from(first);
    for (let i = 0; i < 600; i++) randomPooled(16);
    expect(first.equals(kept)).toBe(true);
  });

  it("refuse more than the pool holds", () => {
    expect(() => randomPooled(5000)).toThrow(RangeError);
  });
});
