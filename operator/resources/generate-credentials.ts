// Fresh credentials, made on the I/O side (the reconciler) and passed to the builders, which keep
// an existing Secret's values. Formats satisfy runtime/config/env.ts.
import { randomBytes } from "node:crypto";
import type { Credentials } from "./credentials.js";

/** `random` is injectable for tests; production uses the CSPRNG. */
export function generateCredentials(random: (size: number) => Buffer = randomBytes): Credentials {
  const url = (size: number) => random(size).toString("base64url");
  return {
    // The runtime's password policy wants upper, lower, digit and special characters.
    "admin-password": `Wa1!${url(18)}`,
    "api-key": url(32),
    "api-key-id": random(8).toString("hex"),
    "api-key-secret": url(32),
    "database-password": url(24),
    "token-signing-key": random(32).toString("base64"),
    "encryption-key": random(32).toString("base64"),
  };
}
