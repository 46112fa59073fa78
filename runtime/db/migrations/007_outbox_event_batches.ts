// An outbox row may hold a batch of events: `events` counts them, and the payload is their sealed
// bytes one after another, each behind its length as 4 bytes big-endian (what int4send writes).
// NULL keeps the old meaning, one sealed event. A CoreApp writes one row per batch of statuses,
// so the outbox inserts, claims and deletes a row per batch instead of per status (each row costs
// the database ~30 µs to claim and delete). Additive and instant; a dispatcher of an earlier
// version cannot read such rows, so CoreApps write them only while none is connected
// (coreapp/writes.ts).
export const name = "outbox_event_batches";
export const sql = /* sql */ `
ALTER TABLE webhook_outbox ADD COLUMN events integer;
`;
