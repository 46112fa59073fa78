// The gateway's addresses from its base URL (WABA_GATEWAY_URL, ws:// or wss://): the WebSocket
// at /v1/connect and HTTP (key directory, media) on the same host and port, http:// for ws://
// and https:// for wss://. A path in the base URL is kept as a prefix.

export interface GatewayUrls {
  /** http(s)://host:port, for a keep-alive HTTP pool. */
  readonly httpOrigin: string;
  /** Path prefix without a trailing slash ("" for none). */
  readonly prefix: string;
  /** ws(s)://host:port/prefix/v1/connect */
  readonly connect: string;
}

export function gatewayUrls(base: string): GatewayUrls {
  const url = new URL(base);
  if (url.protocol !== "ws:" && url.protocol !== "wss:") throw new TypeError(`gateway URL must be ws:// or wss://, got ${url.protocol}`);
  const prefix = url.pathname.replace(/\/+$/, "");
  const httpOrigin = `${url.protocol === "wss:" ? "https:" : "http:"}//${url.host}`;
  return { httpOrigin, prefix, connect: `${url.protocol}//${url.host}${prefix}/v1/connect` };
}

/** A wa_id: digits only, as WhatsApp writes them (no +). */
export const waIdPattern = /^\d{5,20}$/;

export function assertWaId(waId: string): void {
  if (!waIdPattern.test(waId)) throw new TypeError("wa_id must be 5 to 20 digits");
}
