// Migrations in order. Embedded as modules (not .sql files) so the build output carries them.
import * as m001 from "./001_initial.js";
import * as m002 from "./002_business_identity.js";
import * as m003 from "./003_outbox_claims.js";
import * as m004 from "./004_queue_flag.js";
import * as m005 from "./005_queue_flag_trigger_when.js";
import * as m006 from "./006_messages_statistics.js";
import * as m007 from "./007_outbox_event_batches.js";
import * as m008 from "./008_outbox_plain_events.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [
  { version: 1, ...m001 },
  { version: 2, ...m002 },
  { version: 3, ...m003 },
  { version: 4, ...m004 },
  { version: 5, ...m005 },
  { version: 6, ...m006 },
  { version: 7, ...m007 },
  { version: 8, ...m008 },
];
export const latestVersion = migrations.length;
