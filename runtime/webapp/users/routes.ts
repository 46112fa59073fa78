// Users: login (Basic → bearer token; a first login that must change the password does so with
// new_password), logout (revokes the token), and admin-managed accounts.
import { Router, type Request } from "express";
import { z } from "zod";
import { hashSecret, verifySecret } from "../../crypto/password.js";
import { parseAuthorization } from "../auth/credentials.js";
import { principalId, type Principal } from "../auth/permissions.js";
import { passwordProblem, usernamePattern } from "../auth/policy.js";
import { formatExpiry } from "../auth/tokens.js";
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import { authorize, clientAddress, limit, principalOf, methodNotAllowed } from "../guard.js";
import { readJson } from "../request-body.js";
import { reply } from "../respond.js";
import { parseOrThrow } from "../validation.js";
import { createUser, deleteUser, findUser, setPassword } from "./store.js";

const password = z.string().max(256).superRefine((value, issue) => {
  const problem = passwordProblem(value);
  if (problem) issue.addIssue({ code: "custom", message: problem });
});
const loginBody = z.strictObject({ new_password: password.optional() });
const newUser = z.strictObject({ username: z.string().regex(usernamePattern, "must be 4-32 letters, digits or . _ - @"), password });
const changePassword = z.strictObject({ password });

/** Hash compared against when the user does not exist, so timing does not tell who exists. */
let decoyHash: Promise<string> | undefined;

export function userRoutes(ctx: WebappContext): Router {
  const router = Router();

  router.post("/v1/users/login", async (req, res) => {
    limit(ctx, "other", clientAddress(req));
    const credentials = parseAuthorization(req.headers.authorization);
    if (credentials?.scheme !== "basic") throw new ApiError("unauthenticated", "log in with Authorization: Basic base64(username:password)");
    const { new_password: newPassword } = parseOrThrow(loginBody, await readJson(req, { optional: true }));
    const user = await findUser(ctx.pool, credentials.id);
    const valid = await verifySecret(credentials.secret, user?.passwordHash ?? (await (decoyHash ??= hashSecret("decoy-password-never-matches"))));
    if (!user || !valid) throw new ApiError("unauthenticated", "wrong username or password");
    let epoch = user.tokenEpoch;
    if (newPassword !== undefined) {
      if (newPassword === credentials.secret) throw new ApiError("invalidParameter", "new_password: must differ from the current password");
      epoch = (await setPassword(ctx.pool, user.username, await hashSecret(newPassword))) ?? epoch;
      ctx.auth.users.invalidate(user.username);
    } else if (user.mustChangePassword) {
      throw new ApiError("passwordChangeRequired", "the password must be changed at first login: send {\"new_password\": …} with this request");
    }
    const { token, claims } = ctx.signer.issue(user.username, epoch, ctx.now());
    reply(res, 200, { users: [{ token, expires_after: formatExpiry(claims.exp) }] });
  });

  router.post("/v1/users/logout", authorize(ctx, "users.self"), async (req, res) => {
    await readJson(req, { optional: true });
    const principal = principalOf(res);
    if (principal.kind !== "user") throw new ApiError("invalidRequest", "only a login token can be logged out");
    await ctx.revocations.revoke(principal.tokenId, principal.tokenExp);
    reply(res, 200, {});
  });

  router.post("/v1/users", authorize(ctx, "users.manage"), async (req, res) => {
    const body = parseOrThrow(newUser, await readJson(req));
    if (!(await createUser(ctx.pool, body.username, await hashSecret(body.password), "ROLE_USER"))) {
      throw new ApiError("alreadyExists", "username: a user with this name exists");
    }
    reply(res, 201, { users: [{ username: body.username }] });
  });

  router.get("/v1/users/:username", authorize(ctx, "users.self"), async (req, res) => {
    const username = target(req, principalOf(res));
    const user = await findUser(ctx.pool, username);
    if (!user) throw new ApiError("notFound", "no user with this name");
    reply(res, 200, { users: [{ username: user.username, roles: [user.role] }] });
  });

  router.put("/v1/users/:username", authorize(ctx, "users.self"), async (req, res) => {
    const username = target(req, principalOf(res));
    const body = parseOrThrow(changePassword, await readJson(req));
    if ((await setPassword(ctx.pool, username, await hashSecret(body.password))) === undefined) throw new ApiError("notFound", "no user with this name");
    ctx.auth.users.invalidate(username);
    reply(res, 200, { users: [{ username }] });
  });

  router.delete("/v1/users/:username", authorize(ctx, "users.manage"), async (req, res) => {
    const username = target(req, principalOf(res));
    if (username === "admin") throw new ApiError("forbidden", "the admin user cannot be deleted");
    if (!(await deleteUser(ctx.pool, username))) throw new ApiError("notFound", "no user with this name");
    ctx.auth.users.invalidate(username);
    reply(res, 200, { users: [{ username }] });
  });

  router.all(["/v1/users/login", "/v1/users/logout", "/v1/users", "/v1/users/:username"], methodNotAllowed);
  return router;
}

/** The {username} of the path, which a non-admin may only be for themselves. */
function target(req: Request, principal: Principal): string {
  const username = req.params.username as string;
  if (!usernamePattern.test(username)) throw new ApiError("notFound", "no user with this name");
  const self = principal.kind === "user" && principal.username === username;
  if (!self && !(principal.kind !== "monitor" && principal.role === "ROLE_ADMIN")) {
    throw new ApiError("forbidden", `${principalId(principal)} may only manage its own user`);
  }
  return username;
}
