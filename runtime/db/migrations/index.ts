// Migrations in order. Embedded as modules (not .sql files) so the build output carries them.
import * as m001 from "./001_initial.js";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export const migrations: readonly Migration[] = [{ version: 1, ...m001 }];
export const latestVersion = migrations.length;
