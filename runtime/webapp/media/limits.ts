// The media WhatsApp accepts: MIME types by kind and the size limit of each kind, as WhatsApp
// documents them (stickers: 100 KB static, 500 KB animated; we cannot tell them apart cheaply,
// so 500 KB).
import type { MediaKind } from "../messages/schema.js";

const MB = 1024 * 1024;

export const mediaKinds: Record<MediaKind, { readonly mimeTypes: readonly string[]; readonly maxBytes: number }> = {
  image: { mimeTypes: ["image/jpeg", "image/png"], maxBytes: 5 * MB },
  audio: { mimeTypes: ["audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"], maxBytes: 16 * MB },
  video: { mimeTypes: ["video/mp4", "video/3gpp"], maxBytes: 16 * MB },
  sticker: { mimeTypes: ["image/webp"], maxBytes: 500 * 1024 },
  document: {
    mimeTypes: [
      "application/pdf", "text/plain", "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ],
    maxBytes: 100 * MB,
  },
};

/** The largest upload of any kind (bounds a body before its type is known). */
export const maxMediaBytes = Math.max(...Object.values(mediaKinds).map((k) => k.maxBytes));

/** The kind of a MIME type (parameters ignored), or undefined when WhatsApp does not take it. */
export function kindOfMime(mimeType: string): MediaKind | undefined {
  const base = (mimeType.split(";", 1)[0] ?? "").trim().toLowerCase();
  return (Object.keys(mediaKinds) as MediaKind[]).find((kind) => mediaKinds[kind].mimeTypes.includes(base));
}

/** Whether media of `stored` kind may be sent as a `wanted` message (any file may go as a document). */
export function kindFits(wanted: MediaKind, stored: MediaKind): boolean {
  return wanted === "document" || wanted === stored;
}

export const allowedMimeTypes = Object.values(mediaKinds).flatMap((k) => k.mimeTypes);
