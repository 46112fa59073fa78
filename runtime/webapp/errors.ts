// The API's one catalogue of errors. Each entry has the on-prem code, HTTP status and title that
// integrations written against Meta's on-prem client expect, and the Graph API error that the
// Cloud-compatible surface answers instead. Handlers throw `new ApiError("name", "details")`;
// the error middleware of each surface renders it. Nothing else reaches a client: an unknown
// error becomes a bare 500 and a log line with the request id. Documented in API.md.

export interface CatalogueEntry {
  /** On-prem error code ({"errors":[{"code"}]}). */
  readonly code: number;
  readonly status: number;
  readonly title: string;
  /** Graph API error for the Cloud surface ({"error":{"code","error_subcode","type"}}). */
  readonly cloud: { readonly code: number; readonly subcode?: number; readonly type: string };
}

const oauth = "OAuthException";

export const catalogue = {
  invalidRequest: { code: 1025, status: 400, title: "Invalid request", cloud: { code: 100, type: oauth } },
  missingParameter: { code: 1008, status: 400, title: "Required parameter is missing", cloud: { code: 131008, type: oauth } },
  invalidParameter: { code: 1009, status: 400, title: "Parameter value is not valid", cloud: { code: 131009, type: oauth } },
  messageTooLong: { code: 1001, status: 400, title: "Message too long", cloud: { code: 131009, type: oauth } },
  unknownParameter: { code: 1010, status: 400, title: "Parameter is not required", cloud: { code: 100, type: oauth } },
  invalidRecipientType: { code: 1002, status: 400, title: "Invalid recipient type", cloud: { code: 131009, type: oauth } },
  payloadTooLarge: { code: 1009, status: 413, title: "Parameter value is not valid", cloud: { code: 131053, type: oauth } },
  unauthenticated: { code: 1005, status: 401, title: "Access denied", cloud: { code: 190, type: oauth } },
  passwordChangeRequired: { code: 1005, status: 403, title: "Access denied", cloud: { code: 190, type: oauth } },
  forbidden: { code: 1005, status: 403, title: "Access denied", cloud: { code: 10, type: oauth } },
  notFound: { code: 1006, status: 404, title: "Resource not found", cloud: { code: 100, subcode: 33, type: "GraphMethodException" } },
  methodNotAllowed: { code: 1025, status: 405, title: "Invalid request", cloud: { code: 100, type: "GraphMethodException" } },
  alreadyExists: { code: 1004, status: 409, title: "Resource already exists", cloud: { code: 100, type: oauth } },
  rateLimited: { code: 1015, status: 429, title: "Too many requests", cloud: { code: 130429, type: oauth } },
  overloaded: { code: 1016, status: 503, title: "System overloaded", cloud: { code: 131016, type: oauth } },
  notReady: { code: 1011, status: 503, title: "Service not ready", cloud: { code: 131016, type: oauth } },
  internal: { code: 1014, status: 500, title: "Internal error", cloud: { code: 131000, type: oauth } },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorName = keyof typeof catalogue;

export class ApiError extends Error {
  readonly entry: CatalogueEntry;
  constructor(
    readonly errorName: ErrorName,
    /** Shown to the client: must never carry a secret or an internal message. */
    readonly details: string,
    /** Extra response headers (Retry-After). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${errorName}: ${details}`);
    this.entry = catalogue[errorName];
  }
}

export interface OnPremErrorBody {
  errors: { code: number; title: string; details: string }[];
}

export function onPremError(err: ApiError): OnPremErrorBody {
  return { errors: [{ code: err.entry.code, title: err.entry.title, details: err.details }] };
}

export interface CloudErrorBody {
  error: {
    message: string;
    type: string;
    code: number;
    error_subcode?: number;
    error_data: { messaging_product: "whatsapp"; details: string };
    fbtrace_id: string;
  };
}

export function cloudError(err: ApiError, traceId: string): CloudErrorBody {
  const { cloud, title } = err.entry;
  return {
    error: {
      message: `(#${cloud.code}) ${title}`,
      type: cloud.type,
      code: cloud.code,
      ...(cloud.subcode === undefined ? {} : { error_subcode: cloud.subcode }),
      error_data: { messaging_product: "whatsapp", details: err.details },
      fbtrace_id: traceId,
    },
  };
}
