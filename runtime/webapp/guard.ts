// The one check in front of each protected route: who is calling (401), at what rate (429), and
// may they (403). As express middleware it leaves the principal in res.locals.principal; the
// send fast path calls authorizeRequest itself.
import type { Request, RequestHandler, Response } from "express";
import { allowed, principalId, type Permission, type Principal } from "./auth/permissions.js";
import type { WebappContext } from "./context.js";
import { ApiError } from "./errors.js";
import { retryAfterSeconds } from "./rate-limit.js";

export type Surface = "messages" | "other";

export function authorize(ctx: WebappContext, permission: Permission, surface: Surface = "other"): RequestHandler {
  return async (req, res, next) => {
    res.locals.principal = await authorizeRequest(ctx, req.headers.authorization, permission, surface);
    next();
  };
}

/** The caller, once authenticated (401), under the limit (429) and allowed (403). */
export async function authorizeRequest(ctx: WebappContext, authorization: string | undefined, permission: Permission, surface: Surface): Promise<Principal> {
  const principal = await ctx.auth.authenticate(authorization, permission === "monitoring.read");
  limit(ctx, surface, surface === "messages" ? "messages" : principalId(principal));
  if (!allowed(principal, permission)) throw new ApiError("forbidden", "this account's role may not do this");
  return principal;
}

/** Throws the 429 when `key` is over its limit. */
export function limit(ctx: WebappContext, surface: Surface, key: string): void {
  const limiter = surface === "messages" ? ctx.sendLimiter : ctx.otherLimiter;
  const wait = limiter.take(key, ctx.now());
  if (wait > 0) {
    ctx.metrics.rateLimited.inc({ surface });
    throw new ApiError("rateLimited", `over the limit of this endpoint; retry after ${retryAfterSeconds(wait)} s`, { "retry-after": retryAfterSeconds(wait) });
  }
}

/** The client's address, as a rate-limit key for unauthenticated endpoints (login). */
export function clientAddress(req: Request): string {
  return `ip:${req.socket.remoteAddress ?? "unknown"}`;
}

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** Registered after a path's routes: any other method is a 405. */
export const methodNotAllowed: RequestHandler = (req) => {
  throw new ApiError("methodNotAllowed", `${req.method} is not supported on this endpoint`);
};
