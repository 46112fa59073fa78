// The accept path's NOTIFYs against a real PostgreSQL: a batch written inside the window of the
// last NOTIFY stays silent, and its bucket is still announced, by a NOTIFY of its own afterwards.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { Sealer } from "../../crypto/at-rest.js";
import { migrate } from "../../db/migrate.js";
import { databasePerTest } from "../../db/testing/fresh-database.js";
import { bucketOf } from "../../sharding/hash.js";
import { until } from "../../simulator/testing/until.js";
import { defaultBatching, MessageAcceptor, messagesChannel } from "./accept.js";
import type { OutboundMessage } from "./schema.js";

const db = databasePerTest();
const windowMs = 500;

test("a batch inside the last NOTIFY's window is announced by the trailing NOTIFY, two windows later", async () => {
  await migrate(db().pool);
  const heard: { payload: string; at: number }[] = [];
  const listener = new pg.Client({ connectionString: db().url });
  await listener.connect();
  listener.on("notification", (n) => { heard.push({ payload: n.payload ?? "", at: performance.now() }); });
  await listener.query(`LISTEN ${messagesChannel}`);
  const acceptor = new MessageAcceptor(db().pool, await Sealer.fromBase64Key(randomBytes(32).toString("base64")), defaultBatching, windowMs);
  try {
    const first = "4915100000001";
    let second = 4915100000002;
    while (bucketOf(String(second)) === bucketOf(first)) second++;
    const text = (to: string): OutboundMessage => ({ input: to, waId: to, type: "text", body: { type: "text", text: { body: "hello" } } });
    const heardBucket = (waId: string) => () => heard.find((h) => h.payload === String(bucketOf(waId)));

    await acceptor.accept(text(first));
    const firstHeard = await until("the first batch's NOTIFY", heardBucket(first));
    await acceptor.accept(text(String(second)));
    const secondHeard = await until("the second batch's bucket announced", heardBucket(String(second)));
    // Its own NOTIFY would have come within milliseconds; the trailing one comes two windows after the first.
    expect(secondHeard.at - firstHeard.at).toBeGreaterThan(2 * windowMs - 100);
    expect(heard).toHaveLength(2);
  } finally {
    await acceptor.close();
    await listener.end();
  }
});
