// End-to-end encryption between the business and devices: crypto_box (X25519 +
// XSalsa20-Poly1305). The shared key of each peer is computed once (crypto_box_beforenm) and
// cached by the peer's public key object, and nonces come from node:crypto's randomFillSync, many
// at a time (crypto/random.ts): both are an order of magnitude cheaper than libsodium-wrappers' defaults
// (shared/reference/performance-floors.md). A box is nonce (24 bytes) || ciphertext.
import sodium from "libsodium-wrappers";
import { randomPooled } from "../crypto/random.js";

const nonceBytes = 24;

export interface KeyPair {
  readonly publicKey: Uint8Array;
  readonly secretKey: Uint8Array;
}

export async function sodiumReady(): Promise<void> {
  await sodium.ready;
}

/** A key pair derived from 32 bytes of seed (deterministic), or random without a seed. */
export function boxKeyPair(seed?: Uint8Array): KeyPair {
  const pair = seed ? sodium.crypto_box_seed_keypair(seed) : sodium.crypto_box_keypair();
  return { publicKey: pair.publicKey, secretKey: pair.privateKey };
}

/** Boxes and opens for one own key pair, with the shared key cached per peer public key. */
export class BoxKeys {
  // Keyed by the peer key object: the key directory and device caches hand out the same
  // Uint8Array for a peer, so a lookup costs nothing and entries go when the key object goes.
  private readonly shared = new WeakMap<Uint8Array, Uint8Array>();

  constructor(private readonly secretKey: Uint8Array) {}

  sharedKey(peerPublicKey: Uint8Array): Uint8Array {
    let key = this.shared.get(peerPublicKey);
    if (!key) {
      key = sodium.crypto_box_beforenm(peerPublicKey, this.secretKey);
      this.shared.set(peerPublicKey, key);
    }
    return key;
  }

  seal(plain: Uint8Array | string, peerPublicKey: Uint8Array): Buffer {
    const nonce = randomPooled(nonceBytes);
    const message = typeof plain === "string" ? Buffer.from(plain, "utf8") : plain;
    const ciphertext = sodium.crypto_box_easy_afternm(message, nonce, this.sharedKey(peerPublicKey));
    return Buffer.concat([nonce, ciphertext]);
  }

  /** The plaintext, or undefined when the box was not made for this key pair by that peer. */
  open(box: Uint8Array, peerPublicKey: Uint8Array): Buffer | undefined {
    if (box.length < nonceBytes + sodium.crypto_box_MACBYTES) return undefined;
    try {
      return Buffer.from(sodium.crypto_box_open_easy_afternm(box.subarray(nonceBytes), box.subarray(0, nonceBytes), this.sharedKey(peerPublicKey)));
    } catch {
      return undefined;
    }
  }
}
