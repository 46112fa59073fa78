// Autoanalyze of `messages` ran about once a minute under load and cost ~0.4 s of CPU each time
// (sampling 300 × the statistics target = 30 000 rows and computing statistics of every column),
// enough to delay accepts for a second on a busy two-core host. Every query of this table goes
// through a unique or primary key, the queue index or a whole scan, so coarse statistics plan the
// same: with a target of 10 it samples 3 000 rows (~25 ms). Takes only a SHARE UPDATE EXCLUSIVE
// lock, so it runs beside pods that read and write the table.
export const name = "messages_statistics";
export const sql = /* sql */ `
DO $$
DECLARE c name;
BEGIN
  FOR c IN SELECT attname FROM pg_attribute WHERE attrelid = 'messages'::regclass AND attnum > 0 AND NOT attisdropped LOOP
    EXECUTE format('ALTER TABLE messages ALTER COLUMN %I SET STATISTICS 10', c);
  END LOOP;
END $$;
`;
