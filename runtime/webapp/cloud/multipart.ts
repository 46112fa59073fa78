// multipart/form-data (RFC 7578) of a fully buffered body: the parts with their name, filename,
// Content-Type and bytes. Enough for the Cloud media upload (file, type, messaging_product);
// anything malformed is a 400.
import { ApiError } from "../errors.js";

export interface Part {
  readonly name: string;
  readonly filename?: string;
  readonly contentType?: string;
  readonly data: Buffer;
}

const maxParts = 16;

function malformed(why: string): ApiError {
  return new ApiError("invalidRequest", `the multipart body is malformed: ${why}`);
}

/** The boundary parameter of a multipart/form-data Content-Type. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^;\s]{1,70}))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new ApiError("invalidRequest", "Content-Type multipart/form-data needs a boundary");
  return boundary;
}

/** Parameters of a header value: form-data; name="file"; filename="a.png" → {name, filename}. */
function parameters(value: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const m of value.matchAll(/;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    params.set((m[1] ?? "").toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : (m[3] ?? "").trim());
  }
  return params;
}

export function parseMultipart(body: Buffer, contentType: string): Part[] {
  const delimiter = Buffer.from(`--${boundaryOf(contentType)}`);
  const parts: Part[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) throw malformed("no boundary found");
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString("latin1") === "--") return parts; // closing delimiter
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n") throw malformed("a boundary is not followed by CRLF");
    at += 2;
    const headersEnd = body.indexOf("\r\n\r\n", at);
    if (headersEnd < 0) throw malformed("a part has no end of headers");
    const headers = new Map<string, string>();
    for (const line of body.subarray(at, headersEnd).toString("utf8").split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from("\r\n"), delimiter]), headersEnd + 4);
    if (next < 0) throw malformed("a part is not closed by a boundary");
    const disposition = headers.get("content-disposition") ?? "";
    const params = parameters(disposition);
    const name = params.get("name");
    if (!/^form-data\s*(;|$)/i.test(disposition) || name === undefined) throw malformed("a part has no Content-Disposition: form-data name");
    const filename = params.get("filename");
    const type = headers.get("content-type");
    parts.push({ name, data: body.subarray(headersEnd + 4, next), ...(filename === undefined ? {} : { filename }), ...(type === undefined ? {} : { contentType: type }) });
    if (parts.length > maxParts) throw malformed(`more than ${maxParts} parts`);
    at = next + 2;
  }
}
