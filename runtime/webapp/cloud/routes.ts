// The Cloud API surface, so a Cloud API SDK pointed at this WebApp works unchanged:
//   POST   /v{N}/{phone-number-id}/messages   send or mark read: messages/send.ts, before express
//   POST   /v{N}/{phone-number-id}/media      multipart upload (file, type, messaging_product)
//   GET    /v{N}/{media-id}                   media metadata with a download url (GET it with the same bearer)
//   DELETE /v{N}/{media-id}
// Bearer = a login token or "<key_id>:<secret>" of an API key pair. Errors in the Graph shape
// {"error":{message,type,code,error_subcode,fbtrace_id}}. Versions are vN.M, so /v1/… is never
// taken for a Cloud path.
import { Router, type NextFunction, type Request, type Response } from "express";
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import { authorize } from "../guard.js";
import { maxMediaBytes } from "../media/limits.js";
import { parseMultipart } from "./multipart.js";
import { deleteMedia, findMedia, isMediaId, readMedia, saveMedia, sha256Hex } from "../media/repository.js";
import { checkPhoneNumberId, cloudVersion } from "../messages/send.js";
import { mediaTypeOf, readBody } from "../request-body.js";
import { errorHandler, sendJson } from "../respond.js";

export function cloudRoutes(ctx: WebappContext): Router {
  const router = Router();
  const cloudPath = (req: Request, _res: Response, next: NextFunction) => {
    next(cloudVersion.test(req.params.version as string) ? undefined : "route");
  };
  const ourNumber = (req: Request) => { checkPhoneNumberId(ctx, req.params.phoneNumberId as string); };
  const mediaPath = (req: Request, _res: Response, next: NextFunction) => {
    next(cloudVersion.test(req.params.version as string) && isMediaId(req.params.mediaId as string) ? undefined : "route");
  };

  router.post("/:version/:phoneNumberId/media", cloudPath, authorize(ctx, "media.write"), async (req, res) => {
    ourNumber(req);
    const { file, type } = await readUpload(req);
    const id = await saveMedia(ctx, file, type);
    sendJson(res, 200, { id });
  });

  router.get("/:version/:mediaId", mediaPath, authorize(ctx, "media.read"), async (req, res) => {
    const media = await findMedia(ctx, req.params.mediaId as string);
    const content = await readMedia(ctx, media);
    sendJson(res, 200, {
      messaging_product: "whatsapp",
      url: `${req.protocol}://${req.headers.host ?? "localhost"}/v1/media/${media.id}`,
      mime_type: media.mimeType,
      sha256: sha256Hex(content),
      file_size: media.size,
      id: media.id,
    });
  });

  router.delete("/:version/:mediaId", mediaPath, authorize(ctx, "media.write"), async (req, res) => {
    await deleteMedia(ctx, req.params.mediaId as string);
    sendJson(res, 200, { success: true });
  });

  router.use(errorHandler("cloud", ctx.logger));
  return router;
}

/** The multipart form of a Cloud media upload: the file and its MIME type. */
async function readUpload(req: Request): Promise<{ file: Buffer; type: string }> {
  if (mediaTypeOf(req) !== "multipart/form-data") throw new ApiError("invalidRequest", "Content-Type must be multipart/form-data");
  const raw = await readBody(req, maxMediaBytes + 64 * 1024, "the upload");
  const parts = parseMultipart(raw, req.headers["content-type"] ?? "");
  const field = (name: string) => parts.find((p) => p.name === name && p.filename === undefined)?.data.toString("utf8");
  const product = field("messaging_product");
  if (product !== undefined && product !== "whatsapp") throw new ApiError("invalidParameter", "messaging_product: must be whatsapp");
  const file = parts.find((p) => p.name === "file");
  if (!file) throw new ApiError("missingParameter", "file: is required (a file part)");
  return { file: file.data, type: field("type") || (file.contentType ?? "") };
}
