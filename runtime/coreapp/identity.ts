// The business's identity key pair: read from business_identity, or made and stored by whichever
// CoreApp gets there first (INSERT … ON CONFLICT DO NOTHING, then read back, so concurrent first
// starts agree on one pair). The secret key is sealed with the instance key.
import type pg from "pg";
import sodium from "libsodium-wrappers";
import type { Sealer } from "../crypto/at-rest.js";
import { boxKeyPair, type KeyPair } from "../gateway/box.js";

export async function loadOrCreateIdentity(pool: pg.Pool, sealer: Sealer): Promise<KeyPair> {
  const stored = await readIdentity(pool, sealer);
  if (stored) return stored;
  const fresh = boxKeyPair();
  await pool.query(
    "INSERT INTO business_identity (public_key, secret_key_sealed) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    [Buffer.from(fresh.publicKey), sealer.seal(fresh.secretKey)],
  );
  const identity = await readIdentity(pool, sealer);
  if (!identity) throw new Error("the business identity could not be stored");
  return identity;
}

async function readIdentity(pool: pg.Pool, sealer: Sealer): Promise<KeyPair | undefined> {
  const { rows } = await pool.query<{ public_key: Buffer; secret_key_sealed: Buffer }>("SELECT public_key, secret_key_sealed FROM business_identity");
  const row = rows[0];
  if (!row) return undefined;
  const secretKey = new Uint8Array(sealer.open(row.secret_key_sealed));
  const publicKey = new Uint8Array(row.public_key);
  // A pair that does not belong together would make every message undecryptable: refuse to start.
  if (!Buffer.from(sodium.crypto_scalarmult_base(secretKey)).equals(publicKey)) throw new Error("the stored business identity key pair does not match");
  return { publicKey, secretKey };
}
