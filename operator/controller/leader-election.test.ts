import { leaseAfter, mayAcquire } from "./leader-election.js";

const t0 = Date.parse("2025-01-01T00:00:00Z");

describe("who may take a Lease", () => {
  it("anyone, when it has no holder (new or released)", () => {
    expect(mayAcquire(undefined, "b", t0, t0)).toBe(true);
    expect(mayAcquire({ leaseDurationSeconds: 1 }, "b", t0, t0)).toBe(true);
  });

  it("its holder, always (renewal)", () => {
    expect(mayAcquire({ holderIdentity: "a", leaseDurationSeconds: 15 }, "a", t0, t0)).toBe(true);
  });

  it("another replica only a full lease duration after it last saw the Lease change, by its own clock", () => {
    const held = { holderIdentity: "a", leaseDurationSeconds: 15, renewTime: "1999-01-01T00:00:00.000000Z" };
    expect(mayAcquire(held, "b", t0, t0 + 14_999)).toBe(false);
    expect(mayAcquire(held, "b", t0, t0 + 15_000)).toBe(true);
  });
});

describe("the Lease written on acquire and renew", () => {
  it("a first acquisition sets holder, duration, both times and no transition", () => {
    expect(leaseAfter(undefined, "a", t0, 15)).toEqual({
      holderIdentity: "a", leaseDurationSeconds: 15, acquireTime: "2025-01-01T00:00:00.000000Z",
      renewTime: "2025-01-01T00:00:00.000000Z", leaseTransitions: 0,
    });
  });

  it("a renewal keeps the acquire time and the transition count", () => {
    const held = leaseAfter(undefined, "a", t0, 15);
    expect(leaseAfter(held, "a", t0 + 2000, 15)).toMatchObject({ acquireTime: held.acquireTime, renewTime: "2025-01-01T00:00:02.000000Z", leaseTransitions: 0 });
  });

  it("a takeover from another holder counts a transition", () => {
    const held = { ...leaseAfter(undefined, "a", t0, 15), leaseTransitions: 3 };
    expect(leaseAfter(held, "b", t0 + 20_000, 15)).toMatchObject({ holderIdentity: "b", leaseTransitions: 4, acquireTime: "2025-01-01T00:00:20.000000Z" });
  });

  it("taking a released Lease counts a transition too", () => {
    expect(leaseAfter({ leaseDurationSeconds: 1, leaseTransitions: 2 }, "b", t0, 15).leaseTransitions).toBe(3);
  });
});
