// Media on the media volume, content-addressed and sealed with the instance key. The address is
// a keyed hash of the plaintext, so equal files are stored once and a file name reveals nothing.
// Files are written to a temporary name and renamed, so a reader never sees half a file.
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import type { Sealer } from "../crypto/at-rest.js";

export class MediaStore {
  constructor(private readonly dir: string, private readonly sealer: Sealer) {}

  private pathOf(address: string): string {
    if (!/^[0-9a-f]{64}$/.test(address)) throw new Error("not a media address");
    return join(this.dir, address.slice(0, 2), address);
  }

  async put(content: Uint8Array): Promise<{ address: string; size: number }> {
    const address = this.sealer.address(content);
    const path = this.pathOf(address);
    const exists = await stat(path).then(() => true, () => false);
    if (!exists) {
      await mkdir(join(this.dir, address.slice(0, 2)), { recursive: true });
      const tmp = `${path}.${randomUUID()}.tmp`;
      await writeFile(tmp, this.sealer.seal(content));
      await rename(tmp, path);
    }
    return { address, size: content.length };
  }

  /** The plaintext; throws if missing or altered. */
  async get(address: string): Promise<Buffer> {
    return this.sealer.open(await readFile(this.pathOf(address)));
  }

  /** Removes the file; the caller makes sure no media row still points at it. */
  async remove(address: string): Promise<void> {
    await rm(this.pathOf(address), { force: true });
  }
}
