// The two things both surfaces do with messages: accept a send, mark an inbound message read.
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import { kindFits, kindOfMime } from "../media/limits.js";
import { bucketOf } from "../../sharding/hash.js";
import { messagesChannel } from "./accept.js";
import { mediaReferences, type OutboundMessage } from "./schema.js";

const idempotencyKeyPattern = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, checked (1-255 printable ASCII characters). */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (typeof header !== "string" || !idempotencyKeyPattern.test(header)) {
    throw new ApiError("invalidParameter", "Idempotency-Key: must be 1 to 255 printable ASCII characters");
  }
  return header;
}

/** Checks overload and media references, then accepts; the message id. */
export async function acceptMessage(ctx: WebappContext, message: OutboundMessage, idempotencyKey: string | undefined): Promise<string> {
  if (ctx.cluster.overloaded(bucketOf(message.waId))) {
    ctx.metrics.overloaded.inc();
    throw new ApiError("overloaded", "the CoreApp serving this recipient has too many queued messages; retry later", { "retry-after": "1" });
  }
  await checkMediaReferences(ctx, message.body);
  const id = await ctx.acceptor.accept(message, idempotencyKey);
  ctx.metrics.accepted.inc();
  return id;
}

async function checkMediaReferences(ctx: WebappContext, body: Record<string, unknown>): Promise<void> {
  const refs = mediaReferences(body);
  if (refs.length === 0) return;
  const { rows } = await ctx.pool.query<{ id: string; mime_type: string }>(
    "SELECT id, mime_type FROM media WHERE id = ANY($1::text[]) AND deleted_at IS NULL",
    [refs.map((r) => r.id)],
  );
  const mimeOf = new Map(rows.map((r) => [r.id, r.mime_type]));
  for (const ref of refs) {
    const mime = mimeOf.get(ref.id);
    if (mime === undefined) throw new ApiError("invalidParameter", `${ref.field}: no media with this id (upload it with POST /v1/media)`);
    const kind = kindOfMime(mime);
    if (!kind || !kindFits(ref.kind, kind)) throw new ApiError("invalidParameter", `${ref.field}: the media is ${mime}, which cannot be sent as ${ref.kind}`);
  }
}

/** Asks the owner of the sender's bucket to send a read receipt; false when no such inbound message. */
export async function markRead(ctx: WebappContext, messageId: string): Promise<boolean> {
  if (messageId.length > 256) return false;
  const { rowCount } = await ctx.pool.query(
    `WITH u AS (
       UPDATE inbound_messages SET read_requested_at = coalesce(read_requested_at, now()) WHERE id = $1 RETURNING bucket
     ) SELECT pg_notify('${messagesChannel}', 'r' || bucket)::text FROM u`,
    [messageId],
  );
  return rowCount === 1;
}
