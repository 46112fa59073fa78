// Pure builders of what the CoreApp writes and sends: webhook payloads (the on-prem shapes of
// runtime-common.md), the content a device receives for an outbound message, and the on-prem
// inbound message object made from what a device sent.
import type { ApiError } from "../gateway/protocol.js";
import { isMediaRef, isMediaType, type MediaRef } from "../gateway/media-crypto.js";

export type OutboundStatus = "sent" | "delivered" | "read" | "failed";

export interface StatusChange {
  readonly id: string;
  readonly recipient: string;
  readonly status: OutboundStatus;
  readonly at: Date;
  readonly errors?: readonly ApiError[];
}

/** webhook_outbox payload of kind 'status'. */
export function statusPayload(change: StatusChange): { status: Record<string, unknown> } {
  return {
    status: {
      id: change.id,
      recipient_id: change.recipient,
      status: change.status,
      timestamp: String(Math.floor(change.at.getTime() / 1000)),
      ...(change.errors?.length ? { errors: change.errors } : {}),
    },
  };
}

/** The media id a stored outbound message refers to (our media table), if it is a media message by id. */
export function outboundMediaId(body: Record<string, unknown>): string | undefined {
  const type = body.type;
  if (typeof type !== "string" || !isMediaType(type)) return undefined;
  const media = body[type] as { id?: unknown } | undefined;
  return typeof media?.id === "string" ? media.id : undefined;
}

/** The content a device receives: the message object, with our media id replaced by the network reference. */
export function deviceContent(body: Record<string, unknown>, ref?: MediaRef): Record<string, unknown> {
  if (!ref) return body;
  const type = body.type as string;
  const { id: _ourId, ...rest } = body[type] as Record<string, unknown>;
  return { ...body, [type]: { ...rest, ...ref } };
}

/** The network reference in an inbound message's content, if it carries media. */
export function inboundMediaRef(content: Record<string, unknown>): MediaRef | undefined {
  const type = content.type;
  if (typeof type !== "string" || !isMediaType(type)) return undefined;
  const ref = content[type];
  return isMediaRef(ref) ? ref : undefined;
}

export interface InboundFacts {
  readonly id: string;
  readonly from: string;
  readonly timestamp: number;
}

/** The on-prem inbound message object; media becomes our stored media id. */
export function inboundMessageObject(facts: InboundFacts, content: Record<string, unknown>, storedMediaId?: string): Record<string, unknown> {
  const type = typeof content.type === "string" ? content.type : "unknown";
  const base = { from: facts.from, id: facts.id, timestamp: String(facts.timestamp), type };
  const ref = inboundMediaRef(content);
  if (ref && storedMediaId) {
    const { media_id: _networkId, media_key: _key, ...described } = content[type] as Record<string, unknown>;
    return { ...base, [type]: { ...described, id: storedMediaId, mime_type: ref.mime_type, sha256: ref.sha256 } };
  }
  const { type: _type, ...rest } = content;
  return { ...base, ...rest };
}

/** webhook_outbox payload of kind 'message'. */
export function inboundPayload(from: string, name: string, message: Record<string, unknown>): Record<string, unknown> {
  return { contact: { profile: { name }, wa_id: from }, message };
}
