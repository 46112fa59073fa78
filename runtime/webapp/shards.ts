// GET|POST /v1/account/shards: the shard count from the shard map, and changing it (a new
// generation; the CoreApps re-shard). The operator normally owns the count (WABA_SHARDS through
// the migrate role); this endpoint exists for on-prem compatibility.
import { Router } from "express";
import { z } from "zod";
import { allowedShardCounts, type ShardCount } from "../sharding/hash.js";
import { applyShardCount, currentShardMap } from "../sharding/shard-map.js";
import type { WebappContext } from "./context.js";
import { ApiError } from "./errors.js";
import { authorize, methodNotAllowed } from "./guard.js";
import { readJson } from "./request-body.js";
import { reply } from "./respond.js";
import { parseOrThrow } from "./validation.js";

const request = z.strictObject({
  cc: z.string().regex(/^[1-9]\d{0,2}$/, "must be the country calling code, 1-3 digits"),
  phone_number: z.string().regex(/^\d{4,14}$/, "must be the number without the country code, digits only"),
  shards: z.number().int().refine((n) => (allowedShardCounts as readonly number[]).includes(n), `must be one of ${allowedShardCounts.join(", ")}`),
  /** Two-step verification PIN of the on-prem API: this runtime has none to check; accepted when well-formed. */
  pin: z.string().regex(/^\d{6}$/, "must be 6 digits").optional(),
});

export function shardRoutes(ctx: WebappContext): Router {
  const router = Router();
  router.get("/v1/account/shards", authorize(ctx, "account.shards"), async (_req, res) => {
    const map = await currentShardMap(ctx.pool);
    reply(res, 200, { account: { shards: map?.shards ?? 1 } });
  });
  router.post("/v1/account/shards", authorize(ctx, "account.shards"), async (req, res) => {
    const body = parseOrThrow(request, await readJson(req));
    if (`+${body.cc}${body.phone_number}` !== ctx.config.WABA_PHONE_NUMBER) {
      throw new ApiError("invalidParameter", "phone_number: cc and phone_number do not match this instance's number");
    }
    const map = await applyShardCount(ctx.pool, body.shards as ShardCount);
    await ctx.cluster.refreshNow();
    reply(res, 200, { account: { shards: map.shards } });
  });
  router.all("/v1/account/shards", methodNotAllowed);
  return router;
}
