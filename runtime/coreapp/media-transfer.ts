// Media between our media volume and the network. Outbound: read the file of a media row, encrypt
// it with a fresh key, upload it once and reuse the reference for every recipient (cached per
// media id). Inbound: download, decrypt, check the hash, store it content-addressed.
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { decryptMedia, encryptMedia, type MediaRef } from "../gateway/media-crypto.js";
import type { MediaClient } from "../gateway/media-client.js";
import type { MediaStore } from "../media/store.js";

/** The media row a message refers to is gone: the message fails. */
export class MediaMissingError extends Error {}

const maxCached = 1000;
const cacheMs = 60 * 60 * 1000;

export class MediaTransfer {
  private readonly uploads = new Map<string, { ref: Promise<MediaRef>; at: number }>();

  constructor(private readonly pool: pg.Pool, private readonly store: MediaStore, private readonly client: MediaClient) {}

  /** The network reference of one of our media ids, uploading it on first use. */
  outbound(mediaId: string): Promise<MediaRef> {
    const cached = this.uploads.get(mediaId);
    if (cached && Date.now() - cached.at < cacheMs) return cached.ref;
    const ref = this.upload(mediaId);
    ref.catch(() => { this.uploads.delete(mediaId); });
    if (this.uploads.size >= maxCached) this.uploads.delete(this.uploads.keys().next().value as string);
    this.uploads.set(mediaId, { ref, at: Date.now() });
    return ref;
  }

  /** Downloads and stores inbound media; the media row to insert (not inserted here). */
  async inbound(ref: MediaRef): Promise<{ id: string; address: string; mimeType: string; size: number }> {
    const plain = decryptMedia(await this.client.download(ref.media_id), ref.media_key, ref.sha256);
    const { address, size } = await this.store.put(plain);
    return { id: randomUUID(), address, mimeType: ref.mime_type, size };
  }

  private async upload(mediaId: string): Promise<MediaRef> {
    const { rows } = await this.pool.query<{ address: string; mime_type: string }>(
      "SELECT address, mime_type FROM media WHERE id = $1 AND deleted_at IS NULL", [mediaId],
    );
    const row = rows[0];
    if (!row) throw new MediaMissingError(`media ${mediaId} was not found`);
    const { encrypted, key, sha256 } = encryptMedia(await this.store.get(row.address));
    const id = await this.client.upload(encrypted);
    return { media_id: id, media_key: key.toString("base64"), sha256, mime_type: row.mime_type };
  }
}
