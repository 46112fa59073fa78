// The network's media store: encrypted blobs by id, in memory, oldest dropped beyond a byte
// budget (the simulator never needs media for long).
import { randomBytes } from "node:crypto";

export class SimMediaStore {
  private readonly blobs = new Map<string, Buffer>();
  private bytes = 0;

  constructor(private readonly maxBytes = 512 * 1024 * 1024) {}

  put(encrypted: Buffer): string {
    const id = randomBytes(12).toString("hex");
    this.blobs.set(id, encrypted);
    this.bytes += encrypted.length;
    while (this.bytes > this.maxBytes && this.blobs.size > 1) {
      const [oldest, blob] = this.blobs.entries().next().value as [string, Buffer];
      this.blobs.delete(oldest);
      this.bytes -= blob.length;
    }
    return id;
  }

  get(id: string): Buffer | undefined {
    return this.blobs.get(id);
  }

  clear(): void {
    this.blobs.clear();
    this.bytes = 0;
  }
}
