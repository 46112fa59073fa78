// The CoreApp's LISTEN connection against a real PostgreSQL: it hears exactly the channels it is
// told, and a change of channels applies while connected.
import { databasePerTest } from "../db/testing/fresh-database.js";
import { poolFromUrl } from "../db/pool.js";
import { createLogger } from "../observability/logger.js";
import { until } from "../simulator/testing/until.js";
import { Notifications } from "./notifications.js";

const db = databasePerTest();
const logger = createLogger({ role: "coreapp", level: "silent" });

test("hears the channels it listens to, and after listenTo() only the new ones", async () => {
  const heard: string[] = [];
  const notifications = new Notifications(poolFromUrl(db().url, 1), ["spare_a"], (channel, payload) => { heard.push(`${channel}:${payload}`); }, logger);
  notifications.start();
  try {
    // NOTIFY until the connection is listening (connecting takes a moment).
    await until("listening to spare_a", async () => {
      await db().pool.query("NOTIFY spare_a, 'hello'");
      return heard.length > 0;
    });
    notifications.listenTo(["owner_b"]);
    await until("listening to owner_b", async () => {
      heard.length = 0;
      await db().pool.query("NOTIFY owner_b, 'switched'");
      return heard.includes("owner_b:switched");
    });
    // Notifications reach a listener in commit order: once the second arrived, the first would have.
    heard.length = 0;
    await db().pool.query("NOTIFY spare_a, 'not heard'");
    await db().pool.query("NOTIFY owner_b, 'marker'");
    await until("the marker", () => heard.includes("owner_b:marker"));
    expect(heard).toEqual(["owner_b:marker"]);
  } finally {
    await notifications.stop();
  }
});
