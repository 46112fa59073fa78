// The WabaInstance resource as the operator reads it. Spec and status are generated from the CRD
// (types.generated.ts); this file adds the envelope and names for the unions code uses.
import type { V1ObjectMeta } from "@kubernetes/client-node";
import type { apiVersion, kind } from "./constants.js";
import type { GatewayNode, WabaInstanceSpec, WabaInstanceStatus, WebhookSpec } from "./types.generated.js";

export type * from "./types.generated.js";

export interface WabaInstance {
  apiVersion: typeof apiVersion;
  kind: typeof kind;
  metadata: V1ObjectMeta;
  /** As stored: the API server has filled every schema default. */
  spec: WabaInstanceSpec;
  status?: WabaInstanceStatus;
}

export type GatewayState = GatewayNode["status"];
export type WebhookFormat = WebhookSpec["format"];
export type WebhookEvent = WebhookSpec["events"][number];
export type RetentionPolicyValue = WabaInstanceSpec["persistentVolumeClaimRetentionPolicy"]["whenDeleted"];
export type MediaAccessMode = WabaInstanceSpec["media"]["accessMode"];
