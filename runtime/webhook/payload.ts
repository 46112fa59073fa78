// Webhook events and the bodies POSTed for them. An outbox row carries events in the on-prem shape
// (see runtime-common's contract): one sealed, a batch of sealed ones (migration 7) or a JSON array
// of plain ones (migration 8); a POST carries several events of one kind:
//   on-prem  {"statuses":[…]}  or  {"contacts":[…],"messages":[…]}
//   Cloud    {"object":"whatsapp_business_account","entry":[{"id":<WABA id>,"changes":[{"field":
//            "messages","value":{"messaging_product":"whatsapp","metadata":{…},<same arrays>}}]}]}
import { z } from "zod";

export type Format = "onprem" | "cloud";
export type EventKind = "status" | "message";

const statusError = z.looseObject({ code: z.number(), title: z.string(), details: z.string().optional() });
const status = z.looseObject({
  id: z.string(), recipient_id: z.string(), status: z.string(), timestamp: z.string(), errors: z.array(statusError).optional(),
});
const contact = z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: z.string() }).optional() });
const message = z.looseObject({ from: z.string(), id: z.string(), timestamp: z.string(), type: z.string() });

export type StatusObject = z.infer<typeof status>;
export type ContactObject = z.infer<typeof contact>;
export type MessageObject = z.infer<typeof message>;
export type WebhookEvent =
  | { readonly kind: "status"; readonly status: StatusObject }
  | { readonly kind: "message"; readonly contact: ContactObject; readonly message: MessageObject };

const payloads = {
  status: z.object({ status }),
  message: z.object({ contact, message }),
};

/** The event an outbox row holds (its opened payload); throws naming what is wrong. */
export function decodeEvent(kind: string, payload: unknown): WebhookEvent {
  if (kind === "status") return { kind, ...payloads.status.parse(payload) };
  if (kind === "message") return { kind, ...payloads.message.parse(payload) };
  throw new Error(`unknown event kind ${JSON.stringify(kind)}`);
}

/** An outbox row as the dispatcher reads it. */
export interface OutboxRow {
  readonly kind: string;
  readonly payload: Buffer;
  /** null: the payload is one event; n: a batch of n (migration 7). */
  readonly events: number | null;
  /**
   * true: sealed with the instance key, one event or a batch of them, each behind its length
   * (4 bytes big-endian); false: a JSON array of the events (migration 8; status events).
   */
  readonly sealed: boolean;
}

/** How many events a row holds. */
export const eventCount = (row: Pick<OutboxRow, "events">): number => row.events ?? 1;

/** How many events the rows hold. */
export const eventsIn = (rows: readonly Pick<OutboxRow, "events">[]): number => rows.reduce((n, row) => n + eventCount(row), 0);

/**
 * Dispatchers connect to PostgreSQL under this application name. Earlier ones cannot read plain
 * rows (`waba-webhook` not even sealed batches): producers write plain rows only while none of
 * those is connected to the database (during a rollout from such a version).
 */
export const dispatcherApplicationName = "waba-webhook-plain";
export const earlierDispatchers: readonly string[] = ["waba-webhook", "waba-webhook-batches"];

/** SQL: the aggregate that makes the JSON texts `payload` (text), in `order`, a plain row's payload. */
export const plainPayloadSql = (payload: string, order: string): string =>
  `convert_to('[' || string_agg(${payload}, ',' ORDER BY ${order}) || ']', 'UTF8')`;

/** Each sealed event of a batch row follows its length, 4 bytes big-endian (int4send in SQL). */
const lengthBytes = 4;

/** The sealed events of a sealed row; throws when a batch's lengths do not add up. */
export function sealedEvents(row: Pick<OutboxRow, "payload" | "events">): Buffer[] {
  if (row.events === null) return [row.payload];
  const sealed: Buffer[] = [];
  for (let at = 0; at < row.payload.length;) {
    const end = at + lengthBytes > row.payload.length ? Infinity : at + lengthBytes + row.payload.readUInt32BE(at);
    if (end > row.payload.length) throw new Error(`the batch is cut short at byte ${at}`);
    sealed.push(row.payload.subarray(at + lengthBytes, end));
    at = end;
  }
  if (sealed.length !== row.events) throw new Error(`the batch holds ${sealed.length} events, not ${row.events}`);
  return sealed;
}

/** The JSON values of a row's events, sealed ones opened with `open`; throws when the row does not hold them. */
export function rowValues(row: Omit<OutboxRow, "kind">, open: (sealed: Buffer) => unknown): unknown[] {
  if (row.sealed) return sealedEvents(row).map(open);
  const values: unknown = JSON.parse(row.payload.toString("utf8"));
  if (!Array.isArray(values) || values.length !== eventCount(row)) throw new Error(`the row does not hold an array of ${eventCount(row)} events`);
  return values;
}

/** The events of a row; throws when any does not open or decode. */
export function openRow(row: OutboxRow, open: (sealed: Buffer) => unknown): WebhookEvent[] {
  return rowValues(row, open).map((value) => decodeEvent(row.kind, value));
}

/** The Cloud format's identifiers of the business. */
export interface CloudIdentity {
  /** WhatsApp Business Account id: entry[].id. */
  readonly accountId: string;
  readonly phoneNumberId: string;
  /** The number without "+", as the Cloud API shows it. */
  readonly displayPhoneNumber: string;
}

/** The JSON value POSTed for events of one kind (callers sign and send its exact serialisation). */
export function webhookBody(format: Format, events: readonly WebhookEvent[], identity: CloudIdentity): unknown {
  const arrays = onPremArrays(events);
  if (format === "onprem") return arrays;
  const cloudArrays = "statuses" in arrays ? { statuses: arrays.statuses.map(cloudStatus) } : arrays;
  return {
    object: "whatsapp_business_account",
    entry: [{
      id: identity.accountId,
      changes: [{
        field: "messages",
        value: {
          messaging_product: "whatsapp",
          metadata: { display_phone_number: identity.displayPhoneNumber, phone_number_id: identity.phoneNumberId },
          ...cloudArrays,
        },
      }],
    }],
  };
}

type OnPremArrays = { statuses: StatusObject[] } | { contacts: ContactObject[]; messages: MessageObject[] };

function onPremArrays(events: readonly WebhookEvent[]): OnPremArrays {
  const first = events[0];
  if (!first) throw new Error("a webhook body needs at least one event");
  if (events.some((e) => e.kind !== first.kind)) throw new Error("a webhook body carries events of one kind");
  if (first.kind === "status") return { statuses: events.map((e) => (e as Extract<WebhookEvent, { kind: "status" }>).status) };
  const inbound = events as readonly Extract<WebhookEvent, { kind: "message" }>[];
  // One contact per sender, as the on-prem client sent them.
  const contacts = new Map(inbound.map((e) => [e.contact.wa_id, e.contact]));
  return { contacts: [...contacts.values()], messages: inbound.map((e) => e.message) };
}

/** Cloud error objects also carry `message` and `error_data.details`. */
function cloudStatus(s: StatusObject): StatusObject {
  if (!s.errors) return s;
  return {
    ...s,
    errors: s.errors.map((e) => ({ ...e, message: e.title, ...(e.details !== undefined ? { error_data: { details: e.details } } : {}) })),
  };
}

export interface PlannedPost<T> {
  /** The items whose events it carries (an item's events may span two POSTs). */
  readonly items: T[];
  readonly events: WebhookEvent[];
}

/**
 * Splits the items' events (in order) into the POSTs that carry them: events of one kind
 * together, at most `maxPerPost` per POST. An item is delivered when every POST carrying its
 * events succeeded.
 */
export function planPosts<T extends { readonly events: readonly WebhookEvent[] }>(items: readonly T[], maxPerPost: number): PlannedPost<T>[] {
  const posts: PlannedPost<T>[] = [];
  for (const kind of ["status", "message"] as const) {
    let post: PlannedPost<T> | undefined;
    for (const item of items) {
      for (const event of item.events) {
        if (event.kind !== kind) continue;
        if (!post || post.events.length === maxPerPost) posts.push(post = { items: [], events: [] });
        if (post.items.at(-1) !== item) post.items.push(item);
        post.events.push(event);
      }
    }
  }
  return posts;
}
