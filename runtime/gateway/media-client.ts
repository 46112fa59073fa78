// Upload and download of encrypted media at the network's media store:
// POST /v1/media (application/octet-stream) → 201 {"id"}; GET /v1/media/{id} → the bytes | 404.
// Keep-alive undici Pool; the bodies are ciphertext, so nothing here sees plaintext.
import { Pool } from "undici";
import { gatewayUrls } from "./urls.js";

const maxMediaBytes = 100 * 1024 * 1024;

export class MediaClient {
  private readonly pool: Pool;
  private readonly prefix: string;

  constructor(gatewayBaseUrl: string, private readonly timeoutMs = 30_000) {
    const urls = gatewayUrls(gatewayBaseUrl);
    this.prefix = urls.prefix;
    this.pool = new Pool(urls.httpOrigin, { connections: 4 });
  }

  async upload(encrypted: Uint8Array): Promise<string> {
    const res = await this.pool.request({
      method: "POST", path: `${this.prefix}/v1/media`, body: encrypted,
      headers: { "content-type": "application/octet-stream" }, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
    });
    const text = await res.body.text();
    if (res.statusCode !== 201) throw new Error(`media upload answered HTTP ${res.statusCode}`);
    const { id } = JSON.parse(text) as { id?: unknown };
    if (typeof id !== "string" || !id) throw new Error("media upload answer lacks an id");
    return id;
  }

  /** The encrypted bytes; throws when the media is missing or too large. */
  async download(id: string): Promise<Buffer> {
    const res = await this.pool.request({
      method: "GET", path: `${this.prefix}/v1/media/${encodeURIComponent(id)}`, headersTimeout: this.timeoutMs, bodyTimeout: this.timeoutMs,
    });
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`media download answered HTTP ${res.statusCode}`);
    }
    const length = Number(res.headers["content-length"] ?? 0);
    if (length > maxMediaBytes) {
      await res.body.dump();
      throw new Error("media is too large");
    }
    return Buffer.from(await res.body.arrayBuffer());
  }

  /** Closes the connections; safe to call twice. */
  async close(): Promise<void> {
    if (!this.pool.closed && !this.pool.destroyed) await this.pool.close();
  }
}
