// What a message may look like: the on-prem /v1/messages body and the Cloud API's (the same
// objects plus messaging_product). Validation is strict (unknown parameters are refused, so a
// typo is an error, not a silently dropped field) and errors name the field. The result is the
// normalized body the contract stores (runtime-common: the message object without to,
// recipient_type and messaging_product; text carries preview_url).
import { z } from "zod";
import { ApiError } from "../errors.js";
import { parseOrThrow } from "../validation.js";

export const messageTypes = ["text", "image", "audio", "video", "document", "sticker", "location", "contacts", "template", "interactive", "reaction"] as const;
export type MessageType = (typeof messageTypes)[number];
export const mediaTypes = ["image", "audio", "video", "document", "sticker"] as const;
export type MediaKind = (typeof mediaTypes)[number];

const str = (max: number) => z.string().min(1).max(max);
const link = z.url({ protocol: /^https?$/ }).max(2048);

function media(extra: { caption?: boolean; filename?: boolean } = {}) {
  return z
    .strictObject({
      id: str(128).optional(),
      link: link.optional(),
      ...(extra.caption ? { caption: z.string().max(1024).optional() } : {}),
      ...(extra.filename ? { filename: str(240).optional() } : {}),
    })
    .refine((m) => (m.id === undefined) !== (m.link === undefined), "exactly one of id and link is required");
}

const text = z.strictObject({ body: str(4096), preview_url: z.boolean().optional() });

const location = z.strictObject({
  longitude: z.number().min(-180).max(180),
  latitude: z.number().min(-90).max(90),
  name: z.string().max(1000).optional(),
  address: z.string().max(1000).optional(),
});

const s256 = z.string().max(256).optional();
const contact = z.strictObject({
  name: z.strictObject({ formatted_name: str(256), first_name: s256, last_name: s256, middle_name: s256, suffix: s256, prefix: s256 }),
  addresses: z.array(z.strictObject({ street: s256, city: s256, state: s256, zip: s256, country: s256, country_code: s256, type: s256 })).max(20).optional(),
  birthday: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD").optional(),
  emails: z.array(z.strictObject({ email: s256, type: s256 })).max(20).optional(),
  org: z.strictObject({ company: s256, department: s256, title: s256 }).optional(),
  phones: z.array(z.strictObject({ phone: s256, type: s256, wa_id: s256 })).max(20).optional(),
  urls: z.array(z.strictObject({ url: s256, type: s256 })).max(20).optional(),
});

const templateParameter = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: str(32768) }),
  z.strictObject({ type: z.literal("currency"), currency: z.strictObject({ fallback_value: str(256), code: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code"), amount_1000: z.number().int() }) }),
  z.strictObject({ type: z.literal("date_time"), date_time: z.looseObject({ fallback_value: str(256) }) }),
  z.strictObject({ type: z.literal("image"), image: media() }),
  z.strictObject({ type: z.literal("document"), document: media({ filename: true }) }),
  z.strictObject({ type: z.literal("video"), video: media() }),
  z.strictObject({ type: z.literal("payload"), payload: str(1000) }),
]);

const template = z.strictObject({
  namespace: str(256).optional(),
  name: z.string().regex(/^[a-z0-9_]{1,512}$/, "must be 1-512 lower-case letters, digits or _"),
  language: z.strictObject({
    code: z.string().regex(/^[a-z]{2,3}(_[A-Za-z]{2,4})?$/, "must be a language code such as en or en_US"),
    policy: z.enum(["deterministic", "fallback"]).optional(),
  }),
  components: z
    .array(z.strictObject({
      type: z.enum(["header", "body", "footer", "button"]),
      sub_type: z.enum(["quick_reply", "url", "copy_code", "flow"]).optional(),
      index: z.union([z.number().int().min(0).max(9), z.string().regex(/^\d$/)]).optional(),
      parameters: z.array(templateParameter).max(100).optional(),
    }).refine((c) => c.type !== "button" || (c.sub_type !== undefined && c.index !== undefined), "a button component needs sub_type and index"))
    .max(20)
    .optional(),
});

const footer = z.strictObject({ text: str(60) });
const header = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("text"), text: str(60) }),
  z.strictObject({ type: z.literal("image"), image: media() }),
  z.strictObject({ type: z.literal("video"), video: media() }),
  z.strictObject({ type: z.literal("document"), document: media({ filename: true }) }),
]);
const unique = (ids: string[]) => new Set(ids).size === ids.length;

const buttons = z.strictObject({
  type: z.literal("button"),
  header: header.optional(),
  body: z.strictObject({ text: str(1024) }),
  footer: footer.optional(),
  action: z.strictObject({
    buttons: z
      .array(z.strictObject({ type: z.literal("reply"), reply: z.strictObject({ id: str(256), title: str(20) }) }))
      .min(1)
      .max(3)
      .refine((bs) => unique(bs.map((b) => b.reply.id)), "reply ids must be unique"),
  }),
});

const list = z.strictObject({
  type: z.literal("list"),
  header: z.strictObject({ type: z.literal("text"), text: str(60) }).optional(),
  body: z.strictObject({ text: str(4096) }),
  footer: footer.optional(),
  action: z.strictObject({
    button: str(20),
    sections: z
      .array(z.strictObject({
        title: str(24).optional(),
        rows: z.array(z.strictObject({ id: str(200), title: str(24), description: z.string().max(72).optional() })).min(1).max(10),
      }))
      .min(1)
      .max(10)
      .refine((ss) => ss.reduce((n, s) => n + s.rows.length, 0) <= 10, "at most 10 rows in all sections together")
      .refine((ss) => ss.length === 1 || ss.every((s) => s.title !== undefined), "every section needs a title when there are several")
      .refine((ss) => unique(ss.flatMap((s) => s.rows.map((r) => r.id))), "row ids must be unique"),
  }),
});

const content: Record<MessageType, z.ZodType> = {
  text,
  image: media({ caption: true }),
  audio: media(),
  video: media({ caption: true }),
  document: media({ caption: true, filename: true }),
  sticker: media(),
  location,
  contacts: z.array(contact).min(1).max(20),
  template,
  interactive: z.discriminatedUnion("type", [buttons, list]),
  reaction: z.strictObject({ message_id: str(128), emoji: z.string().max(16) }),
};

const common = {
  to: z.string().min(1).max(32),
  recipient_type: z.string().optional(),
  type: z.string(),
  context: z.strictObject({ message_id: str(128) }).optional(),
};
const surfaces = {
  onprem: { ...common, preview_url: z.boolean().optional() },
  cloud: { ...common, messaging_product: z.literal("whatsapp"), biz_opaque_callback_data: z.string().max(512).optional() },
};
export type Surface = keyof typeof surfaces;

const schemas = Object.fromEntries(
  (Object.keys(surfaces) as Surface[]).map((surface) => [
    surface,
    Object.fromEntries(messageTypes.map((type) => {
      const fields: Record<string, z.ZodType> = { ...surfaces[surface], [type]: content[type] };
      if (type !== "text") delete fields.preview_url;
      return [type, z.strictObject(fields)];
    })),
  ]),
) as unknown as Record<Surface, Record<MessageType, z.ZodType<Record<string, unknown>>>>;

export interface OutboundMessage {
  /** As the client wrote it (the Cloud answer echoes it). */
  readonly input: string;
  /** Digits only. */
  readonly waId: string;
  readonly type: MessageType;
  /** The normalized message object stored (sealed) in messages.body. */
  readonly body: Record<string, unknown>;
}

/** A phone number (E.164, "+" optional, spaces, dashes, dots and brackets ignored) or a wa_id → digits. */
export function waIdOf(to: string): string | undefined {
  return /^\+?([1-9]\d{6,14})$/.exec(to.replace(/[\s\-().]/g, ""))?.[1];
}

/** Validates a send request of either surface; throws the ApiError naming the first problem. */
export function parseMessage(input: Record<string, unknown>, surface: Surface): OutboundMessage {
  const type = input.type;
  if (type === undefined) throw new ApiError("missingParameter", "type: is required");
  if (typeof type !== "string" || !(messageTypes as readonly string[]).includes(type)) {
    throw new ApiError("invalidParameter", `type: must be one of ${messageTypes.join(", ")}`);
  }
  const t = type as MessageType;
  const parsed = parseOrThrow(schemas[surface][t], input, (issue, field) =>
    field === "text.body" && issue.code === "too_big" ? "messageTooLong" : undefined);
  if (parsed.recipient_type !== undefined && parsed.recipient_type !== "individual") {
    throw new ApiError("invalidRecipientType", "recipient_type: only \"individual\" is supported");
  }
  const to = parsed.to as string;
  const waId = waIdOf(to);
  if (!waId) throw new ApiError("invalidParameter", "to: must be a phone number in E.164 form (+15551234567) or a wa_id");
  let value = parsed[t];
  if (t === "text") value = { ...(value as object), preview_url: (value as { preview_url?: boolean }).preview_url ?? parsed.preview_url ?? false };
  const body: Record<string, unknown> = { type: t, [t]: value };
  if (parsed.context !== undefined) body.context = parsed.context;
  if (parsed.biz_opaque_callback_data !== undefined) body.biz_opaque_callback_data = parsed.biz_opaque_callback_data;
  return { input: to, waId, type: t, body };
}

/** Our media ids the message refers to (they must exist), with the kind each must be. */
export function mediaReferences(body: Record<string, unknown>): { id: string; kind: MediaKind; field: string }[] {
  const refs: { id: string; kind: MediaKind; field: string }[] = [];
  const visit = (value: unknown, field: string) => {
    if (typeof value !== "object" || value === null) return;
    if (Array.isArray(value)) { value.forEach((v, i) => { visit(v, `${field}[${i}]`); }); return; }
    for (const [key, inner] of Object.entries(value)) {
      const path = field ? `${field}.${key}` : key;
      const id = (inner as { id?: unknown } | null)?.id;
      if ((mediaTypes as readonly string[]).includes(key) && typeof id === "string") refs.push({ id, kind: key as MediaKind, field: `${path}.id` });
      else visit(inner, path);
    }
  };
  visit(body, "");
  return refs;
}
