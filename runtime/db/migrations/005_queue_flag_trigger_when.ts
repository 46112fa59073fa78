// The trigger that keeps `queued` equal to status = 'queued' (migration 4) called its plpgsql
// function for every inserted row and every status change: about a fifth of the cost of a
// batched status write. This version's statements set the flag themselves, so the trigger now
// runs only when a writer left it wrong (pods of the previous version, which set status only).
export const name = "queue_flag_trigger_when";
export const sql = /* sql */ `
DROP TRIGGER messages_set_queued ON messages;
CREATE TRIGGER messages_set_queued BEFORE INSERT OR UPDATE OF status ON messages
  FOR EACH ROW WHEN (NEW.queued IS DISTINCT FROM (NEW.status = 'queued'))
  EXECUTE FUNCTION messages_set_queued();
`;
