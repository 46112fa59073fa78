// Delivered and read receipts update a message without changing any indexed column, so the
// update is HOT (no new entries in the four indexes of messages) when its page has room
// (fillfactor, for pages written from now on). The queue index had `status = 'queued'` as its
// predicate, and PostgreSQL counts a predicate's columns as indexed: every status change wrote
// a new index entry into each index. The queue index now uses `queued`, which a trigger keeps
// equal to status = 'queued' on every insert and status change, so pods of the previous version
// (which know nothing of the column) keep it right while they still run; they read the queue
// without an index until they are replaced.
export const name = "queue_flag";
export const sql = /* sql */ `
ALTER TABLE messages SET (fillfactor = 70);
ALTER TABLE messages ADD COLUMN queued boolean;
UPDATE messages SET queued = true WHERE status = 'queued';
CREATE FUNCTION messages_set_queued() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.queued := NEW.status = 'queued';
  RETURN NEW;
END $$;
CREATE TRIGGER messages_set_queued BEFORE INSERT OR UPDATE OF status ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_set_queued();
CREATE INDEX messages_queue ON messages (bucket, seq) WHERE queued;
DROP INDEX messages_queued;
`;
