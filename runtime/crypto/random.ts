// Random bytes from a pool refilled 4 KiB at a time: one call into OpenSSL per many nonces and
// ids instead of one each (a small randomFillSync costs microseconds, a pooled slice
// nanoseconds). Every byte is handed out once.
import { randomFillSync } from "node:crypto";

const pool = Buffer.alloc(4096);
let offset = pool.length;

/** `size` fresh random bytes (a copy, safe to keep), size at most 4096. */
export function randomPooled(size: number): Buffer {
  if (size > pool.length) throw new RangeError(`at most ${pool.length} pooled random bytes at once`);
  if (offset + size > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + size));
  pool.fill(0, offset, offset + size);
  offset += size;
  return out;
}
