// The CoreApp's batched status write alone (`make bench-status-writes`): a private PostgreSQL,
// N accepted messages, then `sent`, `delivered` and `read` for each through writeStatuses in
// batches, timed per phase. Run twice on fresh databases, with the planner's defaults and with the
// CoreApp's index-scans-only connections; `--early` first makes a few small writes while the table
// is nearly empty, which is when a prepared statement's generic plan gets chosen. Prints a table;
// writes bench/results/status-writes-<timestamp>.json.
//   node --import tsx bench/status-writes.ts [--messages 30000] [--batch 37] [--early]
import { parseArgs } from "node:util";
import type pg from "pg";
import { claimShard } from "../runtime/coreapp/lease.js";
import { writeStatuses } from "../runtime/coreapp/writes.js";
import { Sealer } from "../runtime/crypto/at-rest.js";
import { migrate } from "../runtime/db/migrate.js";
import { poolFromUrl } from "../runtime/db/pool.js";
import { createTestDatabase, startPostgres } from "../runtime/db/testing/postgres.js";
import { applyShardCount } from "../runtime/sharding/shard-map.js";
import { insertMessages, messageRow } from "../runtime/webapp/messages/accept.js";
import type { OutboundMessage } from "../runtime/webapp/messages/schema.js";
import { writeResults } from "./results-file.js";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "30000" },
    batch: { type: "string", default: "37" },
    early: { type: "boolean", default: false },
  },
});
const messages = Number(args.messages);
const batch = Number(args.batch);
if (!Number.isInteger(messages) || messages < 1) throw new Error("--messages: a positive integer");
if (!Number.isInteger(batch) || batch < 1) throw new Error("--batch: a positive integer");

const statuses = ["sent", "delivered", "read"] as const;
interface Result { readonly pool: string; readonly usPerStatus: Record<string, number>; readonly totalSeconds: number; readonly messagesSeqScans: number }

const text = (waId: string, body: string): OutboundMessage =>
  ({ input: `+${waId}`, waId, type: "text", body: { type: "text", text: { body, preview_url: false } } });

async function accept(pool: pg.Pool, sealer: Sealer, count: number, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const rows = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      messageRow(text(`${prefix}${String(i + j).padStart(7, "0")}`, `benchmark message ${i + j} for an ordinary customer notification`), undefined, sealer));
    ids.push(...await insertMessages(pool, rows));
  }
  return ids;
}

async function run(serverUrl: string, indexScansOnly: boolean): Promise<Result> {
  const db = await createTestDatabase(serverUrl, "status_writes");
  const pool = poolFromUrl(db.url, 4, { indexScansOnly });
  try {
    await migrate(pool);
    const lease = await claimShard(pool, "bench", await applyShardCount(pool, 1), 3600);
    if (!lease) throw new Error("no lease");
    const sealer = await Sealer.fromBase64Key(Buffer.alloc(32, 7).toString("base64"));
    const write = (ids: readonly string[], status: (typeof statuses)[number], sentKnown: boolean) =>
      writeStatuses(pool, lease, sealer, ids.map((id) => ({ id, recipient: "491700000000", status, at: new Date() })), sentKnown ? new Set(ids) : new Set());
    if (args.early) {
      const few = await accept(pool, sealer, 40, "4916");
      for (let i = 0; i < few.length; i += 2) await write(few.slice(i, i + 2), "sent", false);
    }
    const ids = await accept(pool, sealer, messages, "4917");
    const usPerStatus: Record<string, number> = {};
    let total = 0;
    for (const status of statuses) {
      const start = performance.now();
      for (let i = 0; i < ids.length; i += batch) await write(ids.slice(i, i + batch), status, status !== "sent");
      const ms = performance.now() - start;
      usPerStatus[status] = Math.round((1000 * ms) / ids.length);
      total += ms;
    }
    const { rows } = await pool.query<{ seq_scan: string }>("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'messages'");
    return { pool: indexScansOnly ? "index scans only (CoreApp)" : "planner defaults", usPerStatus, totalSeconds: Math.round(total) / 1000, messagesSeqScans: Number(rows[0]?.seq_scan ?? 0) };
  } finally {
    await pool.end();
    await db.drop();
  }
}

const server = await startPostgres();
const results: Result[] = [];
try {
  for (const indexScansOnly of [false, true]) results.push(await run(server.url, indexScansOnly));
} finally {
  await server.stop();
}
process.stdout.write(`${messages} messages, writes of ${batch} statuses${args.early ? ", after early writes on a nearly empty table" : ""}\n`);
process.stdout.write("pool                         µs/status sent/delivered/read  total s  seq scans of messages\n");
for (const r of results) {
  process.stdout.write(`${r.pool.padEnd(29)}${statuses.map((s) => r.usPerStatus[s]).join("/").padEnd(31)}${String(r.totalSeconds).padEnd(9)}${r.messagesSeqScans}\n`);
}
writeResults("status-writes", { args, postgres: "fsync off (test server)", results });
