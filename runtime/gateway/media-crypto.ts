// Media travels as WhatsApp sends it: encrypted with a fresh random key, uploaded to the network's
// media store, and referenced from the message by id, key and the plaintext's SHA-256, which the
// receiver checks after decrypting.
import { createHash, randomFillSync } from "node:crypto";
import sodium from "libsodium-wrappers";

/** What a message carries instead of the media itself. */
export interface MediaRef {
  readonly media_id: string;
  /** base64 of the 32-byte secretbox key. */
  readonly media_key: string;
  /** hex SHA-256 of the plaintext. */
  readonly sha256: string;
  readonly mime_type: string;
}

export function sha256Hex(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

export function encryptMedia(plain: Uint8Array): { encrypted: Buffer; key: Buffer; sha256: string } {
  const key = randomFillSync(Buffer.alloc(sodium.crypto_secretbox_KEYBYTES));
  const nonce = randomFillSync(new Uint8Array(sodium.crypto_secretbox_NONCEBYTES));
  const encrypted = Buffer.concat([nonce, sodium.crypto_secretbox_easy(plain, nonce, key)]);
  return { encrypted, key, sha256: sha256Hex(plain) };
}

/** The plaintext; throws when the key is wrong, the data was altered or the hash does not match. */
export function decryptMedia(encrypted: Uint8Array, keyB64: string, sha256: string): Buffer {
  const n = sodium.crypto_secretbox_NONCEBYTES;
  if (encrypted.length < n + sodium.crypto_secretbox_MACBYTES) throw new Error("encrypted media is too short");
  const plain = Buffer.from(sodium.crypto_secretbox_open_easy(encrypted.subarray(n), encrypted.subarray(0, n), Buffer.from(keyB64, "base64")));
  if (sha256Hex(plain) !== sha256) throw new Error("media hash does not match");
  return plain;
}

export function isMediaRef(value: unknown): value is MediaRef {
  const v = value as Partial<MediaRef> | null;
  return typeof v === "object" && v !== null && typeof v.media_id === "string" && typeof v.media_key === "string"
    && typeof v.sha256 === "string" && typeof v.mime_type === "string";
}

/** Message types whose object references media. */
export const mediaTypes = ["image", "audio", "video", "document", "sticker"] as const;
export type MediaType = (typeof mediaTypes)[number];
export function isMediaType(type: string): type is MediaType {
  return (mediaTypes as readonly string[]).includes(type);
}
