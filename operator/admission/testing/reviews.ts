// AdmissionReviews as the API server sends them, for tests.
import type { WabaInstance } from "../../api/types.js";

export const reviewUid = "705ab4f5-6393-11e8-b7cc-42010a800002";

/** A review of `operation` on a WabaInstance in namespace acme; `request` overrides fields of the request. */
export function admissionReview(operation: string, object: unknown, oldObject: unknown = null, request: Record<string, unknown> = {}) {
  const name = (object as WabaInstance | null)?.metadata.name ?? "acme";
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: {
      uid: reviewUid,
      kind: { group: "waba.dev", version: "v1alpha1", kind: "WabaInstance" },
      resource: { group: "waba.dev", version: "v1alpha1", resource: "wabainstances" },
      requestKind: { group: "waba.dev", version: "v1alpha1", kind: "WabaInstance" },
      name,
      namespace: "acme",
      operation,
      userInfo: { username: "admin", groups: ["system:masters"] },
      object,
      oldObject,
      dryRun: false,
      options: { apiVersion: "meta.k8s.io/v1", kind: "CreateOptions" },
      ...request,
    },
  };
}
