// The gateway protocol between a CoreApp and the WhatsApp network (the simulator plays the
// network). JSON text frames over one WebSocket at /v1/connect; each frame has a `type`, and
// lists inside frames let either side batch. `box` fields are base64 of nonce (24 bytes) ||
// crypto_box ciphertext. Both sides validate what they receive with these schemas.
import { z } from "zod";

export const protocolVersion = 1;

const waId = z.string().regex(/^\d{5,20}$/);
const messageId = z.string().min(1).max(128);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);
const shardClaim = {
  /** The shard this connection serves, or null for a spare (receives nothing routed). */
  shard: z.number().int().min(0).max(31).nullable(),
  /** The shard count of the claimed generation (1, 2, 4, 8, 16 or 32), null for a spare. */
  shards: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8), z.literal(16), z.literal(32)]).nullable(),
};

export const apiError = z.object({ code: z.number().int(), title: z.string(), details: z.string().optional() });
export type ApiError = z.infer<typeof apiError>;

// CoreApp → network.
export const clientFrame = z.discriminatedUnion("type", [
  /** First frame of a connection: who is speaking and which recipients it serves. */
  z.object({ type: z.literal("hello"), version: z.literal(protocolVersion), business: waId, public_key: base64, node: z.string().min(1).max(200), ...shardClaim }),
  /** A changed shard (lease acquired, lost or released) without reconnecting. */
  z.object({ type: z.literal("claim"), ...shardClaim }),
  /** Messages encrypted for each recipient's device. */
  z.object({ type: z.literal("send"), messages: z.array(z.object({ id: messageId, to: waId, box: base64 })) }),
  /** Events (receipts, inbound messages) stored by the CoreApp: the network forgets them. */
  z.object({ type: z.literal("confirm"), eids: z.array(z.string().min(1).max(64)) }),
  /** Read receipts for inbound messages, sent back to their senders. */
  z.object({ type: z.literal("read"), receipts: z.array(z.object({ id: messageId, to: waId })) }),
]);
export type ClientFrame = z.infer<typeof clientFrame>;

export const statusEvent = z.object({
  eid: z.string(), kind: z.literal("status"), id: messageId, recipient: waId,
  status: z.enum(["delivered", "read"]), timestamp: z.number().int(),
});
export const inboundEvent = z.object({
  eid: z.string(), kind: z.literal("message"), id: messageId, from: waId, name: z.string().max(256),
  timestamp: z.number().int(), box: base64,
});
export const networkEvent = z.discriminatedUnion("kind", [statusEvent, inboundEvent]);
export type InboundEvent = z.infer<typeof inboundEvent>;
export type NetworkEvent = z.infer<typeof networkEvent>;

// Network → CoreApp.
export const serverFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome") }),
  /** The connection is refused or closed for this reason; the socket closes after it. */
  z.object({ type: z.literal("error"), error: apiError }),
  /** Messages the network took (→ sent). A repeated id is acknowledged again. */
  z.object({ type: z.literal("ack"), ids: z.array(messageId) }),
  /** Messages the network will never deliver (→ failed). */
  z.object({ type: z.literal("refused"), messages: z.array(z.object({ id: messageId, error: apiError })) }),
  /** Receipts and inbound messages for the recipients this connection serves; re-sent until confirmed. */
  z.object({ type: z.literal("events"), events: z.array(networkEvent) }),
  /** Read receipts the network took. */
  z.object({ type: z.literal("read_ack"), ids: z.array(messageId) }),
]);
export type ServerFrame = z.infer<typeof serverFrame>;

/** Error codes the network answers with (on-prem API error objects). */
export const networkErrors = {
  notOnWhatsApp: { code: 1013, title: "User is not valid" },
  undecryptable: { code: 1026, title: "Receiver Incapable", details: "the message did not decrypt for the recipient's device" },
  badMedia: { code: 1008, title: "Media download error", details: "the media referenced by the message could not be downloaded or verified" },
  badHello: { code: 1005, title: "Access denied" },
} as const satisfies Record<string, ApiError>;

/** Parses one frame; undefined when it is not valid JSON or not a valid frame. */
export function parseFrame<T>(schema: z.ZodType<T>, data: string): T | undefined {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
