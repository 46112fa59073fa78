// Stops the server that postgres.ts's global setup started (nothing if it reused one).
import "./postgres.js"; // for the type of globalThis.__wabaPostgres

export default async function globalTeardown(): Promise<void> {
  await globalThis.__wabaPostgres?.stop();
}
