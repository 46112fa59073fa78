import { databasePerTest } from "../testing/fresh-database.js";
import { migrate } from "../migrate.js";

// Migration 6: ANALYZE of messages (what autovacuum runs about once a minute under load) samples
// 3 000 rows, not the default 30 000.
const db = databasePerTest();

test("ANALYZE messages samples 3 000 rows however large the table", async () => {
  const { pool } = db();
  await migrate(pool);
  await pool.query(`INSERT INTO messages (id, recipient, recipient_hash, bucket, type, body)
    SELECT 'wamid.' || g, '491700000000', 1, g % 32, 'text', '\\x00' FROM generate_series(1, 5000) g`);
  const client = await pool.connect();
  const notices: string[] = [];
  client.on("notice", (n) => notices.push(n.message ?? ""));
  try {
    await client.query("ANALYZE VERBOSE messages");
  } finally {
    client.release();
  }
  expect(notices.join("\n")).toMatch(/5000 live rows and 0 dead rows; 3000 rows in sample/);
});
