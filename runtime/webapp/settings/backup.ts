// Settings backups: the settings (webhook secret in clear) as JSON, sealed with a key derived
// from the backup password by scrypt, so a backup can be restored into another instance (another
// at-rest key). Layout, base64: version byte 1 || 16-byte salt || sealed (nonce || secretbox).
import { randomBytes, scrypt } from "node:crypto";
import { Sealer } from "../../crypto/at-rest.js";
import { ApiError } from "../errors.js";

const version = 1;
const saltBytes = 16;
const cost = { N: 1 << 15, r: 8, p: 1 };

function deriveSealer(password: string, salt: Buffer): Promise<Sealer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) => {
      if (err) reject(err);
      else resolve(Sealer.fromBase64Key(key.toString("base64")));
    });
  });
}

export async function encryptBackup(value: unknown, password: string): Promise<string> {
  const salt = randomBytes(saltBytes);
  const sealed = (await deriveSealer(password, salt)).sealJson(value);
  return Buffer.concat([Buffer.from([version]), salt, sealed]).toString("base64");
}

/** The backed-up value; 400 naming `data` when the password is wrong or the data damaged. */
export async function decryptBackup(data: string, password: string): Promise<unknown> {
  const bytes = Buffer.from(data, "base64");
  if (bytes[0] !== version || bytes.length < 1 + saltBytes + 40) throw new ApiError("invalidParameter", "data: not a settings backup of this runtime");
  const sealer = await deriveSealer(password, bytes.subarray(1, 1 + saltBytes));
  try {
    return sealer.openJson(bytes.subarray(1 + saltBytes));
  } catch {
    throw new ApiError("invalidParameter", "data: wrong password or damaged backup");
  }
}
