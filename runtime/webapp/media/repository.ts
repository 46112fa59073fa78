// Media of the business (outbound uploads): a row in `media` and the sealed file in the
// content-addressed MediaStore. Equal files share one stored file, so a file is removed only
// when its last live row is deleted; an advisory lock per address keeps an upload and a delete of
// the same content from racing (upload sees the file, delete removes it, upload inserts a row).
import { createHash, randomUUID } from "node:crypto";
import type pg from "pg";
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import type { MediaKind } from "../messages/schema.js";
import { inTransaction } from "../../db/transaction.js";
import { kindOfMime, mediaKinds } from "./limits.js";

export interface StoredMedia {
  readonly id: string;
  readonly address: string;
  readonly mimeType: string;
  readonly size: number;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Namespace of the two-key advisory locks taken per media address. */
const lockNamespace = 0x6d656469; // "medi"

export function isMediaId(value: string): boolean {
  return uuidPattern.test(value);
}

/** The kind of an upload, or the 4xx saying why it is refused (size unknown yet: undefined). */
export function checkUpload(mimeType: string, size: number | undefined, field = "Content-Type"): MediaKind {
  const kind = kindOfMime(mimeType);
  if (!kind) throw new ApiError("invalidParameter", `${field}: ${mimeType || "(none)"} is not a media type WhatsApp accepts`);
  if (size === undefined) return kind;
  if (size === 0) throw new ApiError("invalidParameter", "the media file is empty");
  if (size > mediaKinds[kind].maxBytes) throw new ApiError("payloadTooLarge", `${kind} media may be at most ${mediaKinds[kind].maxBytes} bytes`);
  return kind;
}

async function lockAddress(client: pg.PoolClient, address: string): Promise<void> {
  await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [lockNamespace, address]);
}

/** Stores an upload; its media id. */
export async function saveMedia(ctx: WebappContext, content: Buffer, mimeType: string): Promise<string> {
  checkUpload(mimeType, content.length);
  const id = randomUUID();
  const base = (mimeType.split(";", 1)[0] ?? "").trim().toLowerCase();
  await inTransaction(ctx.pool, async (client) => {
    await lockAddress(client, ctx.sealer.address(content));
    const { address, size } = await ctx.media.put(content);
    await client.query("INSERT INTO media (id, address, mime_type, size, direction) VALUES ($1, $2, $3, $4, 'outbound')", [id, address, base, size]);
  });
  return id;
}

export async function findMedia(ctx: WebappContext, id: string): Promise<StoredMedia> {
  const { rows } = isMediaId(id)
    ? await ctx.pool.query<{ address: string; mime_type: string; size: string }>("SELECT address, mime_type, size FROM media WHERE id = $1 AND deleted_at IS NULL", [id])
    : { rows: [] };
  const row = rows[0];
  if (!row) throw new ApiError("notFound", "no media with this id");
  return { id, address: row.address, mimeType: row.mime_type, size: Number(row.size) };
}

export async function readMedia(ctx: WebappContext, media: StoredMedia): Promise<Buffer> {
  try {
    return await ctx.media.get(media.address);
  } catch (err) {
    if ((err as { code?: string }).code === "ENOENT") throw new ApiError("notFound", "the media file is gone");
    throw err;
  }
}

export function sha256Hex(content: Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Deletes the media; the stored file goes with its last live row. */
export async function deleteMedia(ctx: WebappContext, id: string): Promise<void> {
  const deleted = isMediaId(id) && await inTransaction(ctx.pool, async (client) => {
    const { rows } = await client.query<{ address: string }>("UPDATE media SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING address", [id]);
    const address = rows[0]?.address;
    if (!address) return false;
    await lockAddress(client, address);
    const { rowCount } = await client.query("SELECT 1 FROM media WHERE address = $1 AND deleted_at IS NULL LIMIT 1", [address]);
    if (rowCount === 0) await ctx.media.remove(address);
    return true;
  });
  if (!deleted) throw new ApiError("notFound", "no media with this id");
}
