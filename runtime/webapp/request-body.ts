// Reading request bodies with a size limit, and JSON bodies strictly: application/json only,
// valid UTF-8 only, an object at the top. Every failure is a 4xx ApiError naming the problem;
// express' body-parser is not used because its errors would have to be translated anyway and it
// costs a middleware on every request.
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

export const jsonLimitBytes = 256 * 1024;

/** The media type without parameters, lower case ("" when absent). */
export function mediaTypeOf(req: IncomingMessage): string {
  const header = req.headers["content-type"] ?? "";
  return (header.split(";", 1)[0] ?? "").trim().toLowerCase();
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

/** The raw body; 413 as soon as it is known to exceed `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number, what = "the request body"): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? NaN);
  if (declared > limit) return Promise.reject(tooLarge(what, limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume(); // drain the rest so the socket can answer
        reject(tooLarge(what, limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)); };
    const onError = () => { cleanup(); reject(new ApiError("invalidRequest", "the request body could not be read")); };
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onError);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onError);
  });
}

function tooLarge(what: string, limit: number): ApiError {
  return new ApiError("payloadTooLarge", `${what} exceeds ${limit} bytes`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Parses a JSON object from bytes; 400 for bad UTF-8, bad JSON or a non-object. */
export function parseJsonObject(bytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError("invalidRequest", "the request body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError("invalidRequest", "the request body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ApiError("invalidRequest", "the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

/**
 * The JSON object of a request. With `optional`, a request without a body reads as {} (login
 * without new_password, logout).
 */
export async function readJson(req: IncomingMessage, options: { optional?: boolean; limit?: number } = {}): Promise<Record<string, unknown>> {
  if (options.optional && !hasBody(req)) return {};
  const type = mediaTypeOf(req);
  if (type !== "application/json") throw new ApiError("invalidRequest", "Content-Type must be application/json");
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers["content-type"] ?? "")?.[1]?.toLowerCase();
  if (charset && charset !== "utf-8" && charset !== "utf8") throw new ApiError("invalidRequest", "the only accepted charset is utf-8");
  const bytes = await readBody(req, options.limit ?? jsonLimitBytes);
  if (bytes.length === 0) {
    if (options.optional) return {};
    throw new ApiError("invalidRequest", "the request body is empty; a JSON object is required");
  }
  return parseJsonObject(bytes);
}
