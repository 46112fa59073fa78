// The business's identity key pair on the WhatsApp network (crypto_box, X25519): made once by the
// first CoreApp that starts and shared by every CoreApp of the instance. The secret key is sealed
// with the instance key. One row at most (the primary key is the constant true).
export const name = "business_identity";
export const sql = /* sql */ `
CREATE TABLE business_identity (
  singleton         boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  public_key        bytea NOT NULL,
  secret_key_sealed bytea NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);
`;
