// A small HTTP client for the public surfaces of a running instance (the WebApp's API, the ops
// endpoints of every role), over a keep-alive undici Pool per origin.
import { Pool, type Dispatcher } from "undici";

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  /** The body parsed as JSON (throws when it is not). */
  json(): unknown;
}

export type Authorization = string | undefined;

export const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString("base64")}`;
export const bearer = (token: string): string => `Bearer ${token}`;

export class HttpClient {
  private readonly pool: Pool;

  constructor(readonly origin: string, connections = 8) {
    this.pool = new Pool(origin, { connections, headersTimeout: 30_000, bodyTimeout: 30_000 });
  }

  /** A JSON body (object) or raw bytes with their content type. */
  async request(method: Dispatcher.HttpMethod, path: string, options: { auth?: Authorization; json?: unknown; raw?: { body: Buffer; contentType: string }; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.auth) headers.authorization = options.auth;
    let body: string | Buffer | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.raw) {
      headers["content-type"] = options.raw.contentType;
      body = options.raw.body;
    }
    const res = await this.pool.request({ method, path, headers, ...(body === undefined ? {} : { body }) });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    return {
      status: res.statusCode,
      headers: res.headers,
      body: bytes,
      json() { return JSON.parse(bytes.toString("utf8")) as unknown; },
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
