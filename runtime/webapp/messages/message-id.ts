// Message ids lead with the time so that new ids sort after older ones: `messages.id` is a unique
// B-tree index, and the CoreApp looks every status up by id. With random ids each insert and each
// lookup lands on a random leaf page of an index that grows all day; with time-ordered ones they
// land on the few pages of the last seconds.
import { randomPooled } from "../../crypto/random.js";

/** The base64url characters in byte order, so that the encoded time sorts as the time does. */
const sortedAlphabet = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const timeChars = 8; // 48 bits of milliseconds: until the year 10889

/** The time part of an id: `ms` in `timeChars` characters that sort (bytewise) as the times do. */
export function sortableTime(ms: number): string {
  let out = "";
  for (let i = timeChars - 1; i >= 0; i--) out += sortedAlphabet.charAt(Math.floor(ms / 2 ** (6 * i)) % 64);
  return out;
}

/** `wamid.` + the time (8 characters) + base64url of 12 random bytes: 24 characters, 96 bits unguessable. */
export function newMessageId(now = Date.now()): string {
  return `wamid.${sortableTime(now)}${randomPooled(12).toString("base64url")}`;
}
