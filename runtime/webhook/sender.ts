// POSTs webhook bodies over keep-alive connections (one undici Agent: a connection pool per
// origin; global fetch costs ~10x more per request). Never throws: every outcome is a result, and
// error texts name the kind of failure only (no URL, no body), so they are safe to store and log.
import { Agent } from "undici";

export type PostResult =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly reason: "http" | "timeout" | "connection"; readonly error: string };

export class WebhookSender {
  private readonly agent: Agent;

  constructor(private readonly timeoutMs: number) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connectTimeout: timeoutMs,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async post(url: URL, body: Buffer, headers: Readonly<Record<string, string>>): Promise<PostResult> {
    try {
      const res = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "waba-webhook-dispatcher", ...headers },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
      return { ok: false, reason: "http", error: `HTTP ${res.statusCode}` };
    } catch (err) {
      return classify(err);
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function classify(err: unknown): PostResult {
  // By name and code, not instanceof: the abort reason is a DOMException of Node's own realm.
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown };
  const timeoutCodes = ["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_ABORTED"];
  if (name === "TimeoutError" || name === "AbortError" || timeoutCodes.includes(code as string)) return { ok: false, reason: "timeout", error: "timeout" };
  return { ok: false, reason: "connection", error: `connection failed${typeof code === "string" ? ` (${code})` : ""}` };
}
