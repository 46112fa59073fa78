// The load generator's HTTP client before http-client.ts, kept to compare against: undici's
// Pool.request (`make bench BENCH_ARGS="--client undici"`, `make bench-load-client`).
import { Pool } from "undici";
import { jsonHeaders, type LoadClient } from "./load.js";

export function undiciClient(o: { readonly origin: string; readonly authorization: string; readonly connections: number; readonly timeoutMs: number }): LoadClient {
  const pool = new Pool(o.origin, { connections: o.connections, keepAliveTimeout: 60_000, headersTimeout: o.timeoutMs, bodyTimeout: o.timeoutMs });
  const headers = jsonHeaders(o.authorization);
  return {
    async post(path, body) {
      const res = await pool.request({ method: "POST", path, headers, body });
      return { status: res.statusCode, body: await res.body.text() };
    },
    close: () => pool.close(),
  };
}
