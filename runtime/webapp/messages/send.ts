// The send endpoints, POST /v1/messages and the Cloud POST /v{N}/{phone-number-id}/messages,
// served on node:http before express sees the request: express' routing costs several times
// what the rest of a send does (shared/reference/performance-floors.md), and sends are the hot
// path. Same checks, same answers, same error shapes as every other route.
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import type { WebappContext } from "../context.js";
import { ApiError } from "../errors.js";
import { authorizeRequest } from "../guard.js";
import { readJson } from "../request-body.js";
import { reply, sendError, sendJson } from "../respond.js";
import { parseOrThrow } from "../validation.js";
import { parseMessage } from "./schema.js";
import { acceptMessage, idempotencyKeyOf, markRead } from "./service.js";

export type SendRoute = { readonly surface: "onprem" } | { readonly surface: "cloud"; readonly phoneNumberId: string };

/** The Cloud API's versioned paths: /v16.0/…, /v19.0/… (the on-prem API is /v1/…). */
export const cloudVersion = /^v\d{1,3}\.\d{1,2}$/;
const onPremPath = /^\/v1\/messages\/?$/i;
const cloudPath = /^\/(v\d{1,3}\.\d{1,2})\/([^/]+)\/messages\/?$/;
const routeLabel = { onprem: "/v1/messages", cloud: "/:version/:phoneNumberId/messages" } as const;

const cloudRead = z.strictObject({
  messaging_product: z.literal("whatsapp"),
  status: z.literal("read"),
  message_id: z.string().min(1).max(256),
  typing_indicator: z.strictObject({ type: z.literal("text") }).optional(),
});

/** The send endpoint a request is for, if it is one. */
export function sendRouteOf(method: string | undefined, url: string | undefined): SendRoute | undefined {
  if (method !== "POST" || !url) return undefined;
  const path = url.split("?", 1)[0] ?? "";
  if (onPremPath.test(path)) return { surface: "onprem" };
  const cloud = cloudPath.exec(path);
  return cloud ? { surface: "cloud", phoneNumberId: cloud[2] ?? "" } : undefined;
}

export function handleSend(ctx: WebappContext, route: SendRoute, req: IncomingMessage, res: ServerResponse, serving: boolean): void {
  const started = performance.now();
  const label = routeLabel[route.surface];
  const work = route.surface === "onprem" ? sendOnPrem(ctx, req, res, serving) : sendCloud(ctx, route.phoneNumberId, req, res, serving);
  work
    .then(() => { ctx.metrics.acceptSeconds.observe((performance.now() - started) / 1000); })
    .catch((err: unknown) => { sendError(route.surface, res, err, { method: "POST", route: label }, ctx.logger); })
    .finally(() => { ctx.metrics.requests.inc({ route: label, method: "POST", status: res.statusCode }); });
}

async function sendOnPrem(ctx: WebappContext, req: IncomingMessage, res: ServerResponse, serving: boolean): Promise<void> {
  await admit(ctx, req, serving);
  const key = idempotencyKeyOf(req.headers["idempotency-key"]);
  const message = parseMessage(await readJson(req), "onprem");
  reply(res, 201, { messages: [{ id: await acceptMessage(ctx, message, key) }] });
}

/** Sends, or marks read with {"status":"read","message_id"} as the Cloud API does on this path. */
async function sendCloud(ctx: WebappContext, phoneNumberId: string, req: IncomingMessage, res: ServerResponse, serving: boolean): Promise<void> {
  await admit(ctx, req, serving);
  checkPhoneNumberId(ctx, phoneNumberId);
  const key = idempotencyKeyOf(req.headers["idempotency-key"]);
  const body = await readJson(req);
  if (body.status !== undefined) {
    const read = parseOrThrow(cloudRead, body);
    if (!(await markRead(ctx, read.message_id))) throw new ApiError("notFound", "message_id: no inbound message with this id");
    sendJson(res, 200, { success: true });
    return;
  }
  const message = parseMessage(body, "cloud");
  const id = await acceptMessage(ctx, message, key);
  sendJson(res, 200, { messaging_product: "whatsapp", contacts: [{ input: message.input, wa_id: message.waId }], messages: [{ id }] });
}

/** A Cloud path's phone-number-id must be this instance's (WABA_PHONE_NUMBER_ID). */
export function checkPhoneNumberId(ctx: WebappContext, id: string): void {
  if (id !== ctx.config.WABA_PHONE_NUMBER_ID) throw new ApiError("notFound", `Unsupported request: object with ID '${id.slice(0, 40)}' does not exist`);
}

async function admit(ctx: WebappContext, req: IncomingMessage, serving: boolean): Promise<void> {
  if (!serving) throw new ApiError("notReady", "the WebApp is starting (waiting for the database schema)");
  await authorizeRequest(ctx, req.headers.authorization, "messages.send", "messages");
}
