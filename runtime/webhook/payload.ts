// Webhook events and the bodies POSTed for them. An outbox row carries one event in the on-prem
// shape (see runtime-common's contract); a POST carries several events of one kind:
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

/**
 * Splits events (in order) into the POSTs that carry them: events of one kind together, at most
 * `maxPerPost` per POST. Each POST lists the items it carries.
 */
export function planPosts<T extends { readonly event: WebhookEvent }>(items: readonly T[], maxPerPost: number): T[][] {
  const posts: T[][] = [];
  for (const kind of ["status", "message"] as const) {
    const ofKind = items.filter((i) => i.event.kind === kind);
    for (let i = 0; i < ofKind.length; i += maxPerPost) posts.push(ofKind.slice(i, i + maxPerPost));
  }
  return posts;
}
