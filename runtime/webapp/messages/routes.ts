// PUT /v1/messages/{id} (mark an inbound message read). Sends (POST /v1/messages) are served
// before express by send.ts.
import { Router } from "express";
import { z } from "zod";
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import { authorize, methodNotAllowed } from "../guard.js";
import { readJson } from "../request-body.js";
import { reply } from "../respond.js";
import { parseOrThrow } from "../validation.js";
import { markRead } from "./service.js";

const readRequest = z.strictObject({ status: z.literal("read") });

export function messageRoutes(ctx: WebappContext): Router {
  const router = Router();
  router.put("/v1/messages/:id", authorize(ctx, "messages.markRead"), async (req, res) => {
    parseOrThrow(readRequest, await readJson(req));
    if (!(await markRead(ctx, req.params.id as string))) throw new ApiError("notFound", "no inbound message with this id");
    reply(res, 200, {});
  });
  router.all(["/v1/messages", "/v1/messages/:id"], methodNotAllowed);
  return router;
}
