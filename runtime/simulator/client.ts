// A typed client of the simulator's control API, so tests and benchmarks do not hand-write HTTP.
//   const sim = new SimulatorClient(simulator.httpUrl);   // or the ws:// gateway URL
//   await sim.setBehaviour({ deliveredDelayMs: 0 });
//   const id = await sim.inboundText({ from: "491701234567", text: "hello" });
//   const got = await sim.messages("491701234567");
import { Pool } from "undici";
import type { MediaType } from "../gateway/media-crypto.js";
import type { Behaviour, Counters, ReadReceipt, ReceivedMessage } from "./network.js";

export type { Behaviour, Counters, ReadReceipt, ReceivedMessage };
export type SimulatorStats = Counters & { eventsPending: number; receiptsScheduled: number; sessions: number };
export interface SimulatorConnection { node: string; business: string; shard: number | null; shards: number | null }

export class SimulatorError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class SimulatorClient {
  private readonly pool: Pool;

  /** `baseUrl`: http://host:port of the simulator, or its ws:// gateway URL. */
  constructor(baseUrl: string) {
    const url = new URL(baseUrl);
    const protocol = url.protocol === "wss:" || url.protocol === "https:" ? "https:" : "http:";
    this.pool = new Pool(`${protocol}//${url.host}`, { connections: 4 });
  }

  stats(): Promise<SimulatorStats> {
    return this.call("GET", "/control/stats");
  }

  /** Messages delivered to devices in arrival order, all or those of one recipient. */
  async messages(to?: string): Promise<ReceivedMessage[]> {
    const query = to === undefined ? "" : `?to=${encodeURIComponent(to)}`;
    return (await this.call<{ messages: ReceivedMessage[] }>("GET", `/control/messages${query}`)).messages;
  }

  /** Read receipts that businesses sent for inbound messages. */
  async reads(): Promise<ReadReceipt[]> {
    return (await this.call<{ reads: ReadReceipt[] }>("GET", "/control/reads")).reads;
  }

  async connections(): Promise<SimulatorConnection[]> {
    return (await this.call<{ connections: SimulatorConnection[] }>("GET", "/control/connections")).connections;
  }

  behaviour(): Promise<Behaviour> {
    return this.call("GET", "/control/behaviour");
  }

  setBehaviour(patch: Partial<Behaviour>): Promise<Behaviour> {
    return this.call("PATCH", "/control/behaviour", patch);
  }

  /** Closes every CoreApp connection now; with everyMs, again every everyMs (0 stops). Returns how many closed. */
  async disconnect(everyMs?: number): Promise<number> {
    return (await this.call<{ closed: number }>("POST", "/control/disconnect", everyMs === undefined ? {} : { everyMs })).closed;
  }

  /** Refuses new connections for `ms` (0 accepts again). */
  async refuseConnections(ms: number): Promise<void> {
    await this.call("POST", "/control/refuse-connections", { ms });
  }

  /** Gives a number a new random device key (a new phone); returns its public key (base64). */
  async registerDevice(waId: string): Promise<string> {
    return (await this.call<{ public_key: string }>("POST", "/control/devices", { wa_id: waId })).public_key;
  }

  /** Takes a number off WhatsApp. */
  async removeDevice(waId: string): Promise<void> {
    await this.call("DELETE", `/control/devices/${encodeURIComponent(waId)}`);
  }

  /** A device sends a text to the business; returns the message id. */
  async inboundText(m: { from: string; text: string; name?: string; business?: string }): Promise<string> {
    return (await this.call<{ id: string }>("POST", "/control/inbound", { ...m, type: "text" })).id;
  }

  /** A device sends media to the business; returns the message id. */
  async inboundMedia(m: { from: string; type: MediaType; data: Uint8Array; mime_type: string; caption?: string; filename?: string; name?: string; business?: string }): Promise<string> {
    const { data, ...rest } = m;
    return (await this.call<{ id: string }>("POST", "/control/inbound", { ...rest, data: Buffer.from(data).toString("base64") })).id;
  }

  /** Forgets deliveries, receipts, events, counters, devices and faults; behaviour back to the start. */
  async reset(): Promise<void> {
    await this.call("POST", "/control/reset");
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  private async call<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
    const res = await this.pool.request({
      method, path,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) {
      let message = text;
      try { message = (JSON.parse(text) as { error?: string }).error ?? text; } catch { /* not JSON */ }
      throw new SimulatorError(res.statusCode, `simulator ${method} ${path}: ${res.statusCode} ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }
}
