// POST /v1/contacts: which numbers are on WhatsApp. Answers come from the contacts table while
// fresh (7 days, as the on-prem client cached them), else from the network's key directory.
// blocking "wait" asks the directory before answering; "no_wait" (the default) answers
// "processing" for unknown numbers and checks them in the background. A number the directory
// cannot be asked about now reads "processing" too: asking again later gives the answer.
import { Router } from "express";
import { z } from "zod";
import type { WebappContext } from "./context.js";
import { authorize, methodNotAllowed } from "./guard.js";
import { waIdOf } from "./messages/schema.js";
import { readJson } from "./request-body.js";
import { reply } from "./respond.js";
import { parseOrThrow } from "./validation.js";

const request = z.strictObject({
  blocking: z.enum(["wait", "no_wait"]).default("no_wait"),
  contacts: z.array(z.string().max(64)).min(1).max(1000),
  force_check: z.boolean().default(false),
});

type Status = "valid" | "invalid" | "processing";
export interface ContactAnswer { input: string; status: Status; wa_id?: string }

const lookupConcurrency = 16;

export function contactRoutes(ctx: WebappContext): Router {
  const router = Router();
  router.post("/v1/contacts", authorize(ctx, "contacts.check"), async (req, res) => {
    const body = parseOrThrow(request, await readJson(req));
    reply(res, 200, { contacts: await checkContacts(ctx, body.contacts, body.blocking === "wait", body.force_check) });
  });
  router.all("/v1/contacts", methodNotAllowed);
  return router;
}

export async function checkContacts(ctx: WebappContext, inputs: string[], wait: boolean, force: boolean): Promise<ContactAnswer[]> {
  const waIds = inputs.map(waIdOf);
  const wanted = [...new Set(waIds.filter((w): w is string => w !== undefined))];
  const known = new Map<string, Status>();
  if (!force && wanted.length > 0) {
    const { rows } = await ctx.pool.query<{ wa_id: string; status: "valid" | "invalid" }>(
      "SELECT wa_id, status FROM contacts WHERE wa_id = ANY($1::text[]) AND checked_at > now() - interval '7 days'",
      [wanted],
    );
    for (const r of rows) known.set(r.wa_id, r.status);
  }
  const unknown = wanted.filter((w) => !known.has(w));
  if (unknown.length > 0) {
    const checking = lookupAll(ctx, unknown);
    if (wait) for (const [waId, status] of await checking) known.set(waId, status);
    else track(ctx, checking);
  }
  return inputs.map((input, i) => {
    const waId = waIds[i];
    if (!waId) return { input, status: "invalid" };
    const status = known.get(waId) ?? "processing";
    return status === "valid" ? { input, status, wa_id: waId } : { input, status };
  });
}

/** Asks the directory about each number (bounded concurrency) and records the answers. */
async function lookupAll(ctx: WebappContext, waIds: string[]): Promise<Map<string, Status>> {
  const answers = new Map<string, "valid" | "invalid">();
  let next = 0;
  const worker = async () => {
    for (let waId = waIds[next++]; waId !== undefined; waId = waIds[next++]) {
      try {
        answers.set(waId, (await ctx.keys.lookup(waId)) ? "valid" : "invalid");
      } catch (err) {
        ctx.logger.warn({ err: { message: (err as Error).message } }, "key directory lookup failed");
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lookupConcurrency, waIds.length) }, worker));
  const found = [...answers];
  if (found.length > 0) {
    await ctx.pool.query(
      `INSERT INTO contacts (wa_id, status) SELECT * FROM unnest($1::text[], $2::text[])
       ON CONFLICT (wa_id) DO UPDATE SET status = EXCLUDED.status, checked_at = now()`,
      [found.map(([w]) => w), found.map(([, s]) => s)],
    );
  }
  return answers;
}

function track(ctx: WebappContext, work: Promise<unknown>): void {
  const tracked = work.catch((err: unknown) => { ctx.logger.warn({ err: { message: (err as Error).message } }, "background contact check failed"); });
  ctx.background.add(tracked);
  void tracked.finally(() => ctx.background.delete(tracked));
}
