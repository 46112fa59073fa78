// The credentials Secret is created, never applied over: values are generated once
// (generateCredentials, on this side, never in a builder) and the first writer wins. A create
// that races another replica or an earlier run of this one (killed after its create, before its
// cache saw the Secret) gets AlreadyExists: the existing Secret is read and kept. Afterwards the
// builders keep the values the Secret holds; nothing here logs or reports them.
import type { V1Secret } from "@kubernetes/client-node";
import { apiErrorInfo, type KubeClient } from "../controller/index.js";
import { collectionPath } from "./sources.js";

export interface CredentialsResult {
  /** The Secret as the API server holds it. */
  readonly secret: V1Secret;
  /** false: it existed already (its values are the ones to use). */
  readonly created: boolean;
}

export async function createCredentials(client: KubeClient, secret: V1Secret, fieldManager: string): Promise<CredentialsResult> {
  const namespace = secret.metadata?.namespace ?? "";
  const collection = collectionPath("v1", "secrets", namespace);
  try {
    const created = await client.request<V1Secret>("POST", collection, { query: { fieldManager }, body: secret });
    return { secret: created, created: true };
  } catch (err) {
    if (apiErrorInfo(err).reason !== "AlreadyExists") throw err;
    const existing = await client.request<V1Secret>("GET", `${collection}/${encodeURIComponent(secret.metadata?.name ?? "")}`);
    return { secret: existing, created: false };
  }
}
