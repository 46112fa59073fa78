// Errors that mean "the database cannot be reached right now" (restart, failover, network), as
// opposed to errors of a statement. Callers answer these with 503 and Retry-After, not 500.

/** SQLSTATEs of a server that is going away or not taking connections yet. */
const unavailableStates = new Set(["57P01", "57P02", "57P03", "53300"]);
/** Node's errors of a socket that could not connect or was cut. */
const socketCodes = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** pg's own messages for a connection that ended or cannot be used (they carry no code). */
const clientMessages = [/^Connection terminated/, /not queryable/, /^timeout exceeded when trying to connect/];

export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (code.startsWith("08") || unavailableStates.has(code) || socketCodes.has(code))) return true;
  return typeof message === "string" && clientMessages.some((m) => m.test(message));
}
