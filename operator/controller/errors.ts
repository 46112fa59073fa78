// Errors: the terminal marker reconcilers throw, and a safe reading of client-node's ApiException.
// ApiException's own `message` embeds the whole response body and headers, so it must never be
// logged or written to an Event or status as is: use apiErrorInfo / describeError.
import { ApiException } from "@kubernetes/client-node";

/**
 * Thrown by a reconciler for a failure that retrying cannot fix (an invalid spec, a conflict only
 * a person can resolve). The engine logs and counts it and does not requeue the key; the key is
 * reconciled again only when one of its objects changes.
 */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
}

export interface ApiErrorInfo {
  /** HTTP status, or undefined when the request never got an answer (connection refused, timeout). */
  readonly status: number | undefined;
  /** The Status reason (NotFound, Conflict, AlreadyExists, Invalid, Expired …), when the server sent one. */
  readonly reason: string | undefined;
  /** A one-line message safe for logs and Events: the server's Status message, never bodies or headers. */
  readonly message: string;
}

const MAX_MESSAGE = 512;

function truncate(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line;
}

function parseStatus(body: unknown): { reason?: unknown; message?: unknown } {
  if (typeof body === "object" && body !== null) return body;
  if (typeof body !== "string") return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? parsed : {};
  } catch {
    return {};
  }
}

/** Status code, reason and a safe message of any error thrown by a Kubernetes call. */
export function apiErrorInfo(err: unknown): ApiErrorInfo {
  if (err instanceof ApiException) {
    const status = parseStatus(err.body);
    const code = err.code;
    const reason = typeof status.reason === "string" && status.reason !== "" ? status.reason : undefined;
    const message = typeof status.message === "string" && status.message !== "" ? status.message : `HTTP ${code}`;
    return { status: code, reason, message: truncate(message) };
  }
  const statusCode = (err as { statusCode?: unknown } | null)?.statusCode;
  const status = typeof statusCode === "number" ? statusCode : undefined;
  const message = err instanceof Error ? err.message : String(err);
  return { status, reason: undefined, message: truncate(message) };
}

/** One line for a log or Event: "409 Conflict: the object has been modified …". */
export function describeError(err: unknown): string {
  const { status, reason, message } = apiErrorInfo(err);
  if (err instanceof ApiException) return [status, reason].filter(Boolean).join(" ") + `: ${message}`;
  return message;
}

export const statusOf = (err: unknown): number | undefined => apiErrorInfo(err).status;
export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
/** 410 Gone: a watch or list asked for a resourceVersion the server no longer has. */
export const isGone = (err: unknown): boolean => statusOf(err) === 410;
