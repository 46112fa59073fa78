// GET|PATCH|DELETE /v1/settings/application, POST /v1/settings/backup and /v1/settings/restore.
import { Router } from "express";
import type pg from "pg";
import { z } from "zod";
import type { WebappContext } from "../context.js";
import { authorize, methodNotAllowed } from "../guard.js";
import { readJson } from "../request-body.js";
import { reply } from "../respond.js";
import { inTransaction } from "../../db/transaction.js";
import { parseOrThrow } from "../validation.js";
import { decryptBackup, encryptBackup } from "./backup.js";
import { applyPatch, asPatch, settingsPatch, settingsView, type StoredSettings } from "./schema.js";

const key = "application";
const backupRequest = z.strictObject({ password: z.string().min(8).max(128) });
const restoreRequest = z.strictObject({ password: z.string().min(8).max(128), data: z.string().min(1).max(1_000_000) });

async function load(db: pg.Pool | pg.PoolClient, lock = false): Promise<StoredSettings> {
  const { rows } = await db.query<{ value: StoredSettings }>(`SELECT value FROM settings WHERE key = $1${lock ? " FOR UPDATE" : ""}`, [key]);
  return rows[0]?.value ?? {};
}

/** Read-modify-write under a row lock, so concurrent PATCHes of different fields both apply. */
async function update(pool: pg.Pool, change: (stored: StoredSettings) => StoredSettings): Promise<StoredSettings> {
  return inTransaction(pool, async (client) => {
    await client.query("INSERT INTO settings (key, value) VALUES ($1, '{}') ON CONFLICT (key) DO NOTHING", [key]);
    const next = change(await load(client, true));
    await client.query("UPDATE settings SET value = $2, updated_at = now() WHERE key = $1", [key, next]);
    return next;
  });
}

export function settingsRoutes(ctx: WebappContext): Router {
  const router = Router();
  const seal = (secret: string) => ctx.sealer.seal(secret).toString("base64");
  const open = (sealed: string) => ctx.sealer.open(Buffer.from(sealed, "base64")).toString("utf8");
  const view = (stored: StoredSettings) => ({ settings: { application: settingsView(stored) } });

  router.get("/v1/settings/application", authorize(ctx, "settings.read"), async (_req, res) => {
    reply(res, 200, view(await load(ctx.pool)));
  });
  router.patch("/v1/settings/application", authorize(ctx, "settings.write"), async (req, res) => {
    const patch = parseOrThrow(settingsPatch, await readJson(req));
    reply(res, 200, view(await update(ctx.pool, (stored) => applyPatch(stored, patch, seal))));
  });
  router.delete("/v1/settings/application", authorize(ctx, "settings.write"), async (_req, res) => {
    await ctx.pool.query("DELETE FROM settings WHERE key = $1", [key]);
    reply(res, 200, {});
  });
  router.post("/v1/settings/backup", authorize(ctx, "settings.write"), async (req, res) => {
    const { password } = parseOrThrow(backupRequest, await readJson(req));
    const data = await encryptBackup({ application: asPatch(await load(ctx.pool), open) }, password);
    reply(res, 200, { settings: { data } });
  });
  router.post("/v1/settings/restore", authorize(ctx, "settings.write"), async (req, res) => {
    const { password, data } = parseOrThrow(restoreRequest, await readJson(req));
    const backup = await decryptBackup(data, password);
    const patch = parseOrThrow(settingsPatch, (backup as { application?: unknown } | null)?.application);
    await update(ctx.pool, () => applyPatch({}, patch, seal));
    reply(res, 200, {});
  });
  router.all(["/v1/settings/application", "/v1/settings/backup", "/v1/settings/restore"], methodNotAllowed);
  return router;
}
