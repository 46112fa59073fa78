// Sealing of data at rest with the instance key: XSalsa20-Poly1305 (libsodium secretbox).
// Layout: 24-byte nonce || ciphertext. Nonces come from node:crypto through a pool (libsodium-wrappers'
// randombytes_buf is ~15x slower, see shared/reference/performance-floors.md).
import { createHmac, hkdfSync } from "node:crypto";
import sodium from "libsodium-wrappers";
import { randomPooled } from "./random.js";

const nonceBytes = 24;

export class Sealer {
  private constructor(
    private readonly key: Uint8Array,
    /** A separate key, derived from the instance key, for content addresses. */
    private readonly addressKey: Buffer,
  ) {}

  static async fromBase64Key(keyB64: string): Promise<Sealer> {
    await sodium.ready;
    const key = Buffer.from(keyB64, "base64");
    if (key.length !== sodium.crypto_secretbox_KEYBYTES) throw new Error("the at-rest key must be 32 bytes");
    const addressKey = Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "waba content address", 32));
    return new Sealer(new Uint8Array(key), addressKey);
  }

  seal(plain: Uint8Array | string): Buffer {
    const nonce = randomPooled(nonceBytes);
    const message = typeof plain === "string" ? Buffer.from(plain, "utf8") : plain;
    const box = sodium.crypto_secretbox_easy(message, nonce, this.key);
    return Buffer.concat([nonce, box]);
  }

  /** Throws when the data was not sealed with this key or was altered. */
  open(sealed: Uint8Array): Buffer {
    if (sealed.length < nonceBytes + sodium.crypto_secretbox_MACBYTES) throw new Error("sealed data is too short");
    const nonce = sealed.subarray(0, nonceBytes);
    return Buffer.from(sodium.crypto_secretbox_open_easy(sealed.subarray(nonceBytes), nonce, this.key));
  }

  sealJson(value: unknown): Buffer {
    return this.seal(JSON.stringify(value));
  }

  /** The parsed JSON; callers narrow it to what they sealed. */
  openJson(sealed: Uint8Array): unknown {
    return JSON.parse(this.open(sealed).toString("utf8"));
  }

  /** A content address that reveals nothing about the content to someone without the key. */
  address(content: Uint8Array): string {
    return createHmac("sha256", this.addressKey).update(content).digest("hex");
  }
}
