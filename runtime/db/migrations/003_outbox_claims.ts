// The webhook dispatcher's fast path claims new outbox events directly (a lease until
// `claimed_until`), POSTs them, and deletes them: no delivery rows unless a POST fails. The claim
// changes no indexed column, and pages keep room for the new row version (fillfactor), so it is
// a HOT update that adds no index entries. Additive: older dispatchers ignore the column.
export const name = "outbox_claims";
export const sql = /* sql */ `
ALTER TABLE webhook_outbox ADD COLUMN claimed_until timestamptz;
ALTER TABLE webhook_outbox SET (fillfactor = 50);
`;
