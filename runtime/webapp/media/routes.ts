// POST /v1/media (raw body + Content-Type), GET /v1/media/{id} (the bytes), DELETE /v1/media/{id}.
import { Router } from "express";
import type { WebappContext } from "../context.js";
import { authorize, methodNotAllowed } from "../guard.js";
import { mediaTypeOf, readBody } from "../request-body.js";
import { reply } from "../respond.js";
import { mediaKinds } from "./limits.js";
import { checkUpload, deleteMedia, findMedia, readMedia, saveMedia } from "./repository.js";

export function mediaRoutes(ctx: WebappContext): Router {
  const router = Router();
  router.post("/v1/media", authorize(ctx, "media.write"), async (req, res) => {
    const mimeType = mediaTypeOf(req);
    // refuse a wrong type or a declared size over the kind's limit before reading anything
    const declared = Number(req.headers["content-length"]);
    const kind = checkUpload(mimeType, Number.isInteger(declared) && declared > 0 ? declared : undefined);
    const content = await readBody(req, mediaKinds[kind].maxBytes, "the media");
    const id = await saveMedia(ctx, content, mimeType);
    reply(res, 201, { media: [{ id }] });
  });
  router.get("/v1/media/:id", authorize(ctx, "media.read"), async (req, res) => {
    const media = await findMedia(ctx, req.params.id as string);
    const content = await readMedia(ctx, media);
    res.writeHead(200, { "content-type": media.mimeType, "content-length": content.length }).end(content);
  });
  router.delete("/v1/media/:id", authorize(ctx, "media.write"), async (req, res) => {
    await deleteMedia(ctx, req.params.id as string);
    reply(res, 200, {});
  });
  router.all(["/v1/media", "/v1/media/:id"], methodNotAllowed);
  return router;
}

