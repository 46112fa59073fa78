// Stops the server that postgres.ts's global setup started (nothing if it reused one).
// Self-contained for the same reason as postgres.ts; globalThis.__wabaPostgres is declared there.
export default async function globalTeardown(): Promise<void> {
  await globalThis.__wabaPostgres?.stop();
}
