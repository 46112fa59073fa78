import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sealer } from "../crypto/at-rest.js";
import { MediaStore } from "./store.js";

describe("the media store", () => {
  let dir: string;
  let store: MediaStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "waba-media-"));
    store = new MediaStore(dir, await Sealer.fromBase64Key(randomBytes(32).toString("base64")));
  });
  afterEach(() => { rmSync(dir, { recursive: true, force: true }); });

  it("stores a file sealed, once per content, and reads it back", async () => {
    const picture = randomBytes(5000);
    const first = await store.put(picture);
    const second = await store.put(Buffer.from(picture));
    expect(second.address).toBe(first.address);
    const files = readdirSync(join(dir, first.address.slice(0, 2)));
    expect(files).toEqual([first.address]);
    expect(readFileSync(join(dir, first.address.slice(0, 2), first.address)).includes(picture.subarray(0, 64))).toBe(false);
    expect((await store.get(first.address)).equals(picture)).toBe(true);
  });

  it("removes a file and refuses addresses that are not ours", async () => {
    const { address } = await store.put(Buffer.from("doc"));
    await store.remove(address);
    await expect(store.get(address)).rejects.toThrow();
    await expect(store.get("../../etc/passwd")).rejects.toThrow("not a media address");
  });
});
