import { hashSecret, verifySecret } from "./password.js";

const fast = { N: 1 << 10, r: 8, p: 1 };

describe("slow secret hashes", () => {
  it("verify the right secret and refuse a wrong one", async () => {
    const stored = await hashSecret("Correct-Horse-1", fast);
    expect(stored).not.toContain("Correct-Horse-1");
    await expect(verifySecret("Correct-Horse-1", stored)).resolves.toBe(true);
    await expect(verifySecret("Correct-Horse-2", stored)).resolves.toBe(false);
  });

  it("salt every hash", async () => {
    expect(await hashSecret("same", fast)).not.toBe(await hashSecret("same", fast));
  });

  it("use the production cost by default", async () => {
    expect((await hashSecret("x")).split("$").slice(0, 4)).toEqual(["scrypt", "32768", "8", "1"]);
  });

  it("treat a malformed stored value as a mismatch", async () => {
    await expect(verifySecret("x", "md5$abc")).resolves.toBe(false);
  });
});
