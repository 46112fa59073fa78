// The open-loop load: POST /v1/messages started on a schedule (schedule.ts) whatever the answers (so
// a slow server shows as latency, not as a lower offered rate), over a pool of keep-alive connections
// (http-client.ts).
// Latency counts from when a request was DUE, so time spent waiting behind a slow answer counts
// too (no coordinated omission). Bounded: a fixed number of requests, a per-request timeout, and at
// most `maxInFlight` outstanding (beyond it a request is shed and counted, not queued).
import { KeepAliveClient, type Answer } from "./http-client.js";
import { dueOffsetMs, totalRequests, type Schedule } from "./schedule.js";

export interface LoadOptions extends Schedule {
  readonly origin: string;
  readonly authorization: string;
  readonly recipients: readonly string[];
  readonly connections: number;
  readonly maxInFlight: number;
  readonly timeoutMs: number;
  /** Runs when the measured window starts and ends (sampling CPU and database counters). */
  readonly onWindow: (edge: "start" | "end") => void;
  /** The HTTP client. Default: the keep-alive client of http-client.ts (load-client-cost.ts compares others). */
  readonly client?: LoadClient;
}

/** What the load needs of an HTTP client. A failed request rejects; an error's `code` is what it is counted under. */
export interface LoadClient {
  post(path: string, body: string): Promise<Answer>;
  close(): Promise<void> | void;
}

export interface Accepted {
  readonly id: string;
  /** Epoch ms when the 201 arrived. */
  readonly acceptedAt: number;
  /** From when the request was due to its answer. */
  readonly latencyMs: number;
  /** From when the request was written to its answer (the server's share, plus the client's event loop). */
  readonly serviceMs: number;
  readonly measured: boolean;
}

export interface LoadResult {
  readonly accepted: Accepted[];
  /** Answers other than 201 and failures, by status or error code. */
  readonly refused: Record<string, number>;
  readonly shed: number;
  /** Epoch ms when each request that got no 201 (refused, failed or shed) was due. */
  readonly notAcceptedDueAt: number[];
  /** Epoch ms of the load's start (the warm-up's) and of the measured window. */
  readonly start: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

const epochOf = (perfMs: number) => performance.timeOrigin + perfMs;

export const jsonHeaders = (authorization: string) => ({ authorization, "content-type": "application/json" });

export async function runOpenLoop(o: LoadOptions, firstIndex = 0): Promise<LoadResult> {
  const client = o.client ?? new KeepAliveClient({ origin: o.origin, connections: o.connections, timeoutMs: o.timeoutMs, headers: jsonHeaders(o.authorization) });
  const accepted: Accepted[] = [];
  const refused: Record<string, number> = {};
  const notAcceptedDueAt: number[] = [];
  const total = totalRequests(o);
  const pending = new Set<Promise<void>>();
  let shed = 0;

  const send = async (i: number, dueAt: number, measured: boolean) => {
    const to = o.recipients[i % o.recipients.length] ?? "";
    const body = JSON.stringify({ to: `+${to}`, type: "text", text: { body: `benchmark message ${firstIndex + i} for an ordinary customer notification` } });
    const sentAt = performance.now();
    try {
      const res = await client.post("/v1/messages", body);
      const now = performance.now();
      if (res.status !== 201) {
        refused[String(res.status)] = (refused[String(res.status)] ?? 0) + 1;
        notAcceptedDueAt.push(epochOf(dueAt));
        return;
      }
      const id = (JSON.parse(res.body) as { messages: { id: string }[] }).messages[0]?.id ?? "";
      accepted.push({ id, acceptedAt: epochOf(now), latencyMs: now - dueAt, serviceMs: now - sentAt, measured });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const key = typeof code === "string" ? code : "error";
      refused[key] = (refused[key] ?? 0) + 1;
      notAcceptedDueAt.push(epochOf(dueAt));
    }
  };

  const start = performance.now();
  const windowStartPerf = start + o.warmupMs;
  let windowOpen = false;
  try {
    for (let i = 0; i < total;) {
      const now = performance.now();
      if (!windowOpen && now >= windowStartPerf) {
        windowOpen = true;
        o.onWindow("start");
      }
      for (; i < total; i++) {
        const dueAt = start + dueOffsetMs(o, i);
        if (dueAt > now) break;
        if (pending.size >= o.maxInFlight) {
          shed++;
          notAcceptedDueAt.push(epochOf(dueAt));
          continue;
        }
        const p = send(i, dueAt, dueAt >= windowStartPerf).finally(() => pending.delete(p));
        pending.add(p);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const windowEndPerf = start + o.warmupMs + o.durationMs;
    if (!windowOpen) o.onWindow("start");
    o.onWindow("end");
    await Promise.all(pending);
    return { accepted, refused, shed, notAcceptedDueAt, start: epochOf(start), windowStart: epochOf(windowStartPerf), windowEnd: epochOf(windowEndPerf) };
  } finally {
    await client.close();
  }
}
