// The credentials Secret <instance>-credentials: generated once on the I/O side (see
// generate-credentials.ts), kept forever after. The builder keeps whatever the Secret already
// holds and fills only missing keys; it never makes randomness.
import type { V1Secret } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { childMeta, childName } from "./metadata.js";

export const credentialKeys = [
  "admin-password",
  "api-key",
  "api-key-id",
  "api-key-secret",
  "database-password",
  "token-signing-key",
  "encryption-key",
] as const;
export type CredentialKey = (typeof credentialKeys)[number];
/** Plain (not base64) values by key. */
export type Credentials = Readonly<Record<CredentialKey, string>>;

/** The existing values (Secret `data`, base64) where present and non-empty, generated ones for the rest. */
export function resolveCredentials(existing: Readonly<Record<string, string>> | undefined, generated: Credentials): Credentials {
  const out = {} as Record<CredentialKey, string>;
  for (const key of credentialKeys) {
    const kept = existing?.[key] ? Buffer.from(existing[key], "base64").toString("utf8") : "";
    out[key] = kept || generated[key];
  }
  return out;
}

/**
 * The credentials Secret. Like the volumes, it outlives the instance under the Retain policy: the
 * retained data can only be read with its database password and encryption key.
 */
export function credentialsSecret(ctx: BuildContext): V1Secret {
  const data: Record<string, string> = {};
  for (const key of credentialKeys) data[key] = Buffer.from(ctx.credentials[key], "utf8").toString("base64");
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: childMeta(ctx.owner, "credentials", childName(ctx.owner.name, "credentials"), ctx.ownsData),
    type: "Opaque",
    data,
  };
}
