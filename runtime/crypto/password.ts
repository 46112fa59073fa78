// Slow hashes for passwords and API secrets (scrypt from node:crypto: no native dependency).
// Format: scrypt$N$r$p$salt$hash (base64), so parameters can be raised later without a migration.
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

interface Cost { N: number; r: number; p: number }

const defaults = { N: 1 << 15, r: 8, p: 1 };
const keyLength = 32;

function derive(secret: string, salt: Buffer, cost: Cost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) => {
      if (err) reject(err);
      else resolve(key);
    });
  });
}

export async function hashSecret(secret: string, params: Cost = defaults): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(secret, salt, params);
  return ["scrypt", params.N, params.r, params.p, salt.toString("base64"), hash.toString("base64")].join("$");
}

/** Constant-time comparison; false (never a throw) for a malformed stored value. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await derive(secret, Buffer.from(salt, "base64"), { N: Number(n), r: Number(r), p: Number(p) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
