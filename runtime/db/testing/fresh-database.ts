// A new database on the run's PostgreSQL for every test of a describe block, with a pool, dropped
// after the test (not in postgres.ts: Jest's global setup loads that file on its own).
import type pg from "pg";
import { poolFromUrl } from "../pool.js";
import { createTestDatabase } from "./postgres.js";

export interface TestDatabase {
  readonly url: string;
  readonly pool: pg.Pool;
}

/** Call at the top of a file or in a describe block; the answer gives the running test's database. */
export function databasePerTest(): () => TestDatabase {
  let current: (TestDatabase & { drop: () => Promise<void> }) | undefined;
  beforeEach(async () => {
    const db = await createTestDatabase(process.env.WABA_TEST_DATABASE_URL!);
    current = { ...db, pool: poolFromUrl(db.url) };
  });
  afterEach(async () => {
    await current?.pool.end();
    await current?.drop();
    current = undefined;
  });
  return () => {
    if (!current) throw new Error("the test database exists only while a test runs");
    return current;
  };
}
