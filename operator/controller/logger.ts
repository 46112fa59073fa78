// Structured logs with pino. One factory for the whole operator; components log through child
// loggers carrying `controller` and `key`. Secret material never reaches a log line:
// - any `data` / `stringData` (Secret payloads) and Authorization/Cookie headers are censored,
//   at any depth, by a log formatter that sees every line's fields;
// - errors go through describeError, because client-node's ApiException message embeds the
//   whole response body and headers.
import { pino, type DestinationStream, type Logger } from "pino";
import { apiErrorInfo, describeError } from "./errors.js";

export type { Logger } from "pino";

export const REDACTED = "[REDACTED]";
const SECRET_KEYS = new Set(["data", "stringdata", "authorization", "cookie", "set-cookie", "proxy-authorization"]);

/** A copy of `value` with Secret payloads and credential headers replaced by "[REDACTED]", at any depth. */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 12 || typeof value !== "object" || value === null) return value;
  if (value instanceof Error) return serializeError(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

/** What a log line says about an error: its kind, a safe message and the HTTP status if any. */
export function serializeError(err: unknown): Record<string, unknown> {
  const { status, reason } = apiErrorInfo(err);
  return {
    type: err instanceof Error ? err.name : typeof err,
    message: describeError(err),
    ...(status !== undefined ? { status } : {}),
    ...(reason !== undefined ? { reason } : {}),
  };
}

export interface LoggerOptions {
  /** pino level. @default process.env.LOG_LEVEL ?? "info" */
  readonly level?: string;
  /** Name on every line. */
  readonly name?: string;
  /** Where lines go. @default stdout */
  readonly destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const { level = process.env.LOG_LEVEL ?? "info", name, destination } = options;
  const config = {
    level,
    ...(name !== undefined ? { name } : {}),
    // Runs before pino's serializers, on the fields of every line (child bindings are fixed
    // strings such as controller and key).
    formatters: { log: (fields: Record<string, unknown>) => redact(fields) as Record<string, unknown> },
    // The formatter has already turned errors into safe objects; pino's own err serializer would
    // re-wrap them.
    serializers: { err: (value: unknown) => value },
  };
  return destination ? pino(config, destination) : pino(config);
}

/** A logger that drops everything, for tests and library defaults. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
