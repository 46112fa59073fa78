// Status events need no sealing at rest: they hold a message's id, recipient, status, time and
// error, all of which `messages` holds in plain columns. Sealing each one in the CoreApp and
// opening it in the dispatcher cost ~15 µs of CPU a status, ~45 µs a message (bench/FINDINGS.md).
// `sealed` false: the payload is a JSON array of `events` events. Inbound messages (their
// bodies) stay sealed. Additive and instant (a constant default); dispatchers of earlier versions
// cannot read such rows, so CoreApps write them only while none is connected (coreapp/writes.ts).
export const name = "outbox_plain_events";
export const sql = /* sql */ `
ALTER TABLE webhook_outbox ADD COLUMN sealed boolean NOT NULL DEFAULT true;
`;
