// The simulator's control and inspection API, for tests and benchmarks (client: ./client.ts).
// JSON over HTTP under /control/; bad input gets 400 naming the field and changes nothing.
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { mediaTypes } from "../gateway/media-crypto.js";
import { waIdPattern } from "../gateway/urls.js";
import type { DeviceDirectory } from "./devices.js";
import { HttpError, readJson } from "./http.js";
import type { Network } from "./network.js";

export interface Faults {
  /** Closes every CoreApp connection now. */
  disconnectAll(): number;
  /** Closes every connection every `ms` (0 stops). */
  disconnectEvery(ms: number): void;
  /** Refuses new connections for `ms` (0 accepts again). */
  refuseConnections(ms: number): void;
  /** Clears the periodic and refusal faults. */
  reset(): void;
}

const waId = z.string().regex(waIdPattern, "must be 5 to 20 digits");
const rate = z.number().min(0).max(1);
const delay = z.number().int().min(0).max(600_000);

export const behaviourPatch = z.strictObject({
  deliveredDelayMs: delay, readDelayMs: delay, readProbability: rate, latencyMs: delay, dropRate: rate, ackDropRate: rate,
  record: z.enum(["full", "counters"]), eventResendMs: z.number().int().min(100).max(600_000),
}).partial();

const inboundBody = z.union([
  z.strictObject({ business: waId.optional(), from: waId, name: z.string().max(256).optional(), type: z.literal("text"), text: z.string().min(1).max(4096) }),
  z.strictObject({
    business: waId.optional(), from: waId, name: z.string().max(256).optional(), type: z.enum(mediaTypes),
    /** base64 of the file. */
    data: z.base64().min(1), mime_type: z.string().min(3).max(255), caption: z.string().max(1024).optional(), filename: z.string().max(255).optional(),
  }),
]);

const disconnectBody = z.strictObject({ everyMs: z.number().int().min(0).max(3_600_000).optional() });
const refuseBody = z.strictObject({ ms: z.number().int().min(0).max(3_600_000) });
const deviceBody = z.strictObject({ wa_id: waId });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HttpError(400, `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`);
}

export interface ControlAnswer {
  readonly status: number;
  readonly body?: unknown;
}

export function controlHandler(network: Network, devices: DeviceDirectory, faults: Faults) {
  return async (req: IncomingMessage, url: URL): Promise<ControlAnswer> => {
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    const deviceMatch = /^\/control\/devices\/(\d{5,20})$/.exec(url.pathname);
    switch (route) {
      case "GET /control/stats":
        return ok(200, network.stats());
      case "GET /control/messages": {
        const to = url.searchParams.get("to");
        return ok(200, { messages: network.received(to ?? undefined) });
      }
      case "GET /control/reads":
        return ok(200, { reads: network.readReceipts() });
      case "GET /control/connections":
        return ok(200, { connections: network.sessions() });
      case "GET /control/behaviour":
        return ok(200, network.behaviour);
      case "PATCH /control/behaviour": {
        const patch = parse(behaviourPatch, await readJson(req));
        network.behaviour = { ...network.behaviour, ...patch };
        return ok(200, network.behaviour);
      }
      case "POST /control/disconnect": {
        const { everyMs } = parse(disconnectBody, await readJson(req));
        const closed = faults.disconnectAll();
        if (everyMs !== undefined) faults.disconnectEvery(everyMs);
        return ok(200, { closed });
      }
      case "POST /control/refuse-connections": {
        const { ms } = parse(refuseBody, await readJson(req));
        faults.refuseConnections(ms);
        return ok(200, { ms });
      }
      case "POST /control/devices": {
        const { wa_id } = parse(deviceBody, await readJson(req));
        const device = devices.register(wa_id);
        return ok(201, { wa_id, public_key: Buffer.from(device.keys.publicKey).toString("base64") });
      }
      case "POST /control/inbound": {
        const body = parse(inboundBody, await readJson(req));
        const message = body.type === "text"
          ? { type: body.type, text: body.text }
          : { type: body.type, data: Buffer.from(body.data, "base64"), mime_type: body.mime_type, ...(body.caption ? { caption: body.caption } : {}), ...(body.filename ? { filename: body.filename } : {}) };
        const id = network.inbound({ from: body.from, message, ...(body.business ? { business: body.business } : {}), ...(body.name ? { name: body.name } : {}) });
        return ok(201, { id });
      }
      case "POST /control/reset":
        network.reset();
        devices.reset();
        faults.reset();
        return ok(200, { reset: true });
    }
    if (req.method === "DELETE" && deviceMatch?.[1]) {
      devices.remove(deviceMatch[1]);
      return { status: 204 };
    }
    throw new HttpError(404, `no control route ${route}`);
  };
}

function ok(status: number, body: unknown): ControlAnswer {
  return { status, body };
}
