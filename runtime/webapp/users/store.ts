// The users table. Changing a password or deleting a user bumps or removes token_epoch, which
// every token carries: all of that user's tokens stop working.
import { randomInt } from "node:crypto";
import type pg from "pg";
import type { UserRole } from "../auth/permissions.js";

export interface UserRecord {
  readonly username: string;
  readonly role: UserRole;
  readonly tokenEpoch: number;
  readonly mustChangePassword: boolean;
}

export interface UserWithHash extends UserRecord {
  readonly passwordHash: string;
}

interface Row { username: string; role: UserRole; token_epoch: number; must_change_password: boolean; password_hash: string }

export async function findUser(db: pg.Pool, username: string): Promise<UserWithHash | undefined> {
  const { rows } = await db.query<Row>(
    "SELECT username, role, token_epoch, must_change_password, password_hash FROM users WHERE username = $1",
    [username],
  );
  const r = rows[0];
  return r && { username: r.username, role: r.role, tokenEpoch: r.token_epoch, mustChangePassword: r.must_change_password, passwordHash: r.password_hash };
}

/**
 * False when the username is taken. The token epoch starts at a random value, so tokens of a
 * deleted user never become valid for a new user given the same name.
 */
export async function createUser(db: pg.Pool, username: string, passwordHash: string, role: UserRole): Promise<boolean> {
  const { rowCount } = await db.query(
    "INSERT INTO users (username, role, password_hash, token_epoch) VALUES ($1, $2, $3, $4) ON CONFLICT (username) DO NOTHING",
    [username, role, passwordHash, randomInt(2 ** 30)],
  );
  return rowCount === 1;
}

/** Sets the password, clears must_change_password, invalidates every token; the new epoch or undefined (no user). */
export async function setPassword(db: pg.Pool, username: string, passwordHash: string): Promise<number | undefined> {
  const { rows } = await db.query<{ token_epoch: number }>(
    `UPDATE users SET password_hash = $2, must_change_password = false, token_epoch = token_epoch + 1, updated_at = now()
     WHERE username = $1 RETURNING token_epoch`,
    [username, passwordHash],
  );
  return rows[0]?.token_epoch;
}

export async function deleteUser(db: pg.Pool, username: string): Promise<boolean> {
  const { rowCount } = await db.query("DELETE FROM users WHERE username = $1", [username]);
  return rowCount === 1;
}
