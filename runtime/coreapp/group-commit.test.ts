import { jest } from "@jest/globals";
import { GroupCommit } from "./group-commit.js";

describe("a group commit", () => {
  beforeEach(() => { jest.useFakeTimers(); });
  afterEach(() => { jest.useRealTimers(); });

  it("writes items that arrive during a write together in the next one, in order", async () => {
    const writes: number[][] = [];
    let finish: () => void = () => undefined;
    const commit = new GroupCommit<number>((items) => { writes.push(items); return new Promise<void>((resolve) => { finish = resolve; }); }, () => undefined);
    commit.add(1);
    commit.add(2);
    commit.add(3);
    expect(writes).toEqual([[1]]);
    finish();
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([[1], [2, 3]]);
    finish();
    commit.close();
  });

  it("with a linger, starts a write at most that often, but at once for a full batch", async () => {
    const writes: number[][] = [];
    const commit = new GroupCommit<number>((items) => { writes.push(items); return Promise.resolve(); }, () => undefined, 3, 500, 20);
    commit.add(1);
    await jest.advanceTimersByTimeAsync(0);
    expect(writes).toEqual([[1]]); // the first at once

    commit.add(2);
    await jest.advanceTimersByTimeAsync(15);
    expect(writes).toEqual([[1]]);
    await jest.advanceTimersByTimeAsync(5);
    expect(writes).toEqual([[1], [2]]);

    commit.add(3);
    commit.add(4);
    expect(writes).toEqual([[1], [2]]);
    commit.add(5);
    expect(writes).toEqual([[1], [2], [3, 4, 5]]);
    commit.close();
  });

  it("retries a failed write with its items first, after the retry delay", async () => {
    const writes: number[][] = [];
    let failures = 1;
    const errors: number[] = [];
    const commit = new GroupCommit<number>((items) => {
      writes.push(items);
      return failures-- > 0 ? Promise.reject(new Error("database down")) : Promise.resolve();
    }, (_err, items) => { errors.push(items); }, 2000, 500);
    commit.add(1);
    await jest.advanceTimersByTimeAsync(0);
    commit.add(2);
    await jest.advanceTimersByTimeAsync(499);
    expect(writes).toEqual([[1]]);
    await jest.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([[1], [1, 2]]);
    expect(errors).toEqual([1]);
    commit.close();
  });
});
