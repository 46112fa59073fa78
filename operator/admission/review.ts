// AdmissionReview v1 in and out: reads a review the API server sent, asks validateInstance, and
// builds the answer. Pure. A review this webhook cannot read is answered with HTTP 400 (the API
// server then applies the webhook's failurePolicy); anything readable gets HTTP 200 with the
// request's uid echoed.
import { z } from "zod";
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import type { Problem } from "../resources/context.js";
import { validateInstance, type AdmissionDecision } from "./validate.js";

export const admissionApiVersion = "admission.k8s.io/v1";

const quantity = z.union([z.number(), z.string().regex(/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?([KMGTPE]i|[numkMGTPE])?$/)]);
const resources = z.looseObject({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() });
const named = z.looseObject({ name: z.string() });

/** What validation reads of an instance; the API server has applied the CRD's schema and defaults before. */
const instanceShape = z.looseObject({
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional(), uid: z.string().optional() }),
  spec: z.looseObject({
    phoneNumber: z.string(),
    region: z.string(),
    tier: z.string(),
    shards: z.number().optional(),
    throughput: z.number().optional(),
    runtimeImage: z.string().optional(),
    webhooks: z.array(z.looseObject({ secretRef: z.looseObject({ name: z.string(), key: z.string() }) })).optional(),
    database: z.looseObject({
      managed: z.looseObject({ storageClassName: z.string().optional() }).optional(),
      external: z.looseObject({ secretRef: named }).optional(),
    }),
    media: z.looseObject({ storageClassName: z.string().optional() }),
    tls: z.looseObject({ secretName: z.string() }).optional(),
    persistentVolumeClaimRetentionPolicy: z.looseObject({ whenDeleted: z.string() }),
    podTemplate: z
      .looseObject({ imagePullSecrets: z.array(named).optional(), resources: z.record(z.string(), resources.optional()).optional() })
      .optional(),
  }),
});

/** The Scale object of a `kubectl scale` (the wabainstances/scale subresource). */
const scaleShape = z.looseObject({ spec: z.looseObject({ replicas: z.number().int().nonnegative().optional() }) });

const reviewShape = z.looseObject({
  apiVersion: z.literal(admissionApiVersion),
  kind: z.literal("AdmissionReview"),
  request: z.looseObject({
    uid: z.string().min(1),
    kind: z.looseObject({ group: z.string(), version: z.string(), kind: z.string() }),
    resource: z.looseObject({ group: z.string(), version: z.string(), resource: z.string() }),
    subResource: z.string().optional(),
    name: z.string().optional(),
    namespace: z.string().optional(),
    operation: z.enum(["CREATE", "UPDATE", "DELETE", "CONNECT"]),
    object: z.unknown().optional(),
    oldObject: z.unknown().optional(),
  }),
});
type ReviewRequest = z.output<typeof reviewShape>["request"];

export type ReviewResult = "allowed" | "warned" | "denied" | "malformed";

export interface ReviewAnswer {
  /** 200 with a response review; 400 with a Status naming what is wrong with the review. */
  readonly httpStatus: number;
  readonly body: unknown;
  readonly result: ReviewResult;
  /** Set when the review could be read. */
  readonly request?: {
    readonly uid: string;
    readonly operation: string;
    /** group/resource[/subresource]. */
    readonly resource: string;
    readonly namespace?: string;
    readonly name?: string;
  };
  readonly decision?: AdmissionDecision;
  /** True for a request about another resource (the configuration's rules are wrong): allowed unchecked. */
  readonly ignored?: boolean;
}

/** The first few issues, each naming its field: `request.object.spec.tier: Invalid input…`. */
function describeIssues(error: z.ZodError, root?: string): string {
  const at = (path: readonly PropertyKey[]) => [root, ...path.map(String)].filter((p) => p !== undefined).join(".") || "(root)";
  return error.issues.slice(0, 5).map((i) => `${at(i.path)}: ${i.message}`).join("; ");
}

class MalformedReview extends Error {}

function malformed(message: string): ReviewAnswer {
  return {
    httpStatus: 400,
    result: "malformed",
    body: { apiVersion: "v1", kind: "Status", status: "Failure", code: 400, reason: "BadRequest", message: `malformed AdmissionReview: ${message}` },
  };
}

function readInstance(value: unknown, field: "object" | "oldObject"): WabaInstance {
  const parsed = instanceShape.safeParse(value);
  if (!parsed.success) throw new MalformedReview(describeIssues(parsed.error, `request.${field}`));
  return parsed.data as unknown as WabaInstance;
}

/**
 * The instance before and after the request. For the scale subresource the API server sends Scale
 * objects: the instance comes from the cache, with spec.shards set to the new replicas.
 */
function instancesOf(request: ReviewRequest, known: () => readonly WabaInstance[]): { object?: WabaInstance; oldObject?: WabaInstance } {
  const wanted = request.operation === "CREATE" || request.operation === "UPDATE";
  if (!wanted) return {};
  if (request.subResource === "scale") {
    const scale = scaleShape.safeParse(request.object);
    if (!scale.success) throw new MalformedReview(describeIssues(scale.error, "request.object"));
    const stored = known().find((i) => i.metadata.namespace === request.namespace && i.metadata.name === request.name);
    const replicas = scale.data.spec.replicas;
    if (!stored || replicas === undefined) return {};
    return { object: { ...stored, spec: { ...stored.spec, shards: replicas } }, oldObject: stored };
  }
  if (request.object === undefined || request.object === null) throw new MalformedReview(`request.object: is required for ${request.operation}`);
  const object = readInstance(request.object, "object");
  if (request.operation === "CREATE") return { object };
  if (request.oldObject === undefined || request.oldObject === null) throw new MalformedReview("request.oldObject: is required for UPDATE");
  return { object, oldObject: readInstance(request.oldObject, "oldObject") };
}

function isWabaInstance(request: ReviewRequest): boolean {
  return request.resource.group === "waba.dev" && request.resource.resource === "wabainstances" && (!request.subResource || request.subResource === "scale");
}

/**
 * A Status cause: the field, and the message without it. kubectl shows an Invalid Status with causes
 * as the CRD's own refusals: `The WabaInstance "x" is invalid: spec.region: "mars-1" is not …`.
 */
function cause({ field, message }: Problem): { field: string; message: string } {
  return { field, message: message.startsWith(field) ? message.slice(field.length).replace(/^:?\s*/, "") : message };
}

/** Answers one AdmissionReview (the parsed JSON body of the API server's request). */
export function answerReview(body: unknown, known: () => readonly WabaInstance[], config: OperatorConfig): ReviewAnswer {
  const parsed = reviewShape.safeParse(body);
  if (!parsed.success) return malformed(describeIssues(parsed.error));
  const { request } = parsed.data;
  const { uid, operation, namespace, name, resource: r, subResource } = request;
  const summary = { uid, operation, namespace, name, resource: [r.group, r.resource, subResource].filter(Boolean).join("/") };
  const ignored = !isWabaInstance(request);
  let decision: AdmissionDecision;
  try {
    const objects = ignored ? {} : instancesOf(request, known);
    decision = validateInstance({ operation: request.operation, ...objects, instances: objects.object ? known() : [], config });
  } catch (e) {
    if (e instanceof MalformedReview) return { ...malformed(e.message), request: summary };
    throw e;
  }
  const response = {
    uid: request.uid,
    allowed: decision.allowed,
    ...(decision.allowed
      ? {}
      : {
          status: {
            status: "Failure",
            code: decision.code,
            reason: "Invalid",
            message: decision.message,
            details: { group: "waba.dev", kind: "WabaInstance", name: request.name ?? "", causes: decision.problems.map(cause) },
          },
        }),
    ...(decision.warnings.length ? { warnings: decision.warnings } : {}),
  };
  return {
    httpStatus: 200,
    body: { apiVersion: admissionApiVersion, kind: "AdmissionReview", response },
    result: !decision.allowed ? "denied" : decision.warnings.length ? "warned" : "allowed",
    request: summary,
    decision,
    ...(ignored ? { ignored } : {}),
  };
}
