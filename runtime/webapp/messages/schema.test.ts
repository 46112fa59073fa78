import { ApiError } from "../errors.js";
import { mediaReferences, parseMessage, waIdOf } from "./schema.js";

const to = "+1 (555) 123-4567";
const send = (body: Record<string, unknown>) => parseMessage({ to, ...body }, "onprem");
/** The error a body gets: [on-prem code, details]. */
function refusal(body: Record<string, unknown>, surface: "onprem" | "cloud" = "onprem"): [number, string] {
  try {
    parseMessage(body, surface);
  } catch (err) {
    if (err instanceof ApiError) return [err.entry.code, err.details];
    throw err;
  }
  throw new Error("accepted");
}

describe("recipients", () => {
  it("are phone numbers in E.164 form or wa_ids, normalized to digits", () => {
    expect(waIdOf("+15551234567")).toBe("15551234567");
    expect(waIdOf("15551234567")).toBe("15551234567");
    expect(waIdOf(to)).toBe("15551234567");
    for (const bad of ["", "+", "0155512345", "+1555", "1".repeat(16), "+1555abc4567", "++15551234567"]) expect(waIdOf(bad)).toBeUndefined();
  });

  it("that are not numbers are refused naming `to`", () => {
    expect(refusal({ to: "bob", type: "text", text: { body: "hi" } })).toEqual([1009, expect.stringMatching(/^to: /)]);
  });

  it("must be individuals", () => {
    expect(refusal({ to, recipient_type: "group", type: "text", text: { body: "hi" } })[0]).toBe(1002);
  });
});

describe("message bodies", () => {
  it("store text with preview_url inside the text object, whichever way it came", () => {
    expect(send({ type: "text", text: { body: "hi" } }).body).toEqual({ type: "text", text: { body: "hi", preview_url: false } });
    expect(send({ type: "text", preview_url: true, text: { body: "see https://x.y" } }).body).toEqual({ type: "text", text: { body: "see https://x.y", preview_url: true } });
  });

  it("keep everything but the envelope: no to, recipient_type or messaging_product", () => {
    const m = parseMessage({ messaging_product: "whatsapp", recipient_type: "individual", to: "15551234567", type: "image", image: { id: "m1", caption: "c" }, context: { message_id: "wamid.x" } }, "cloud");
    expect(m).toEqual({ input: "15551234567", waId: "15551234567", type: "image", body: { type: "image", image: { id: "m1", caption: "c" }, context: { message_id: "wamid.x" } } });
  });

  it("accept every type in a well-formed example", () => {
    const examples: Record<string, unknown>[] = [
      { type: "audio", audio: { link: "https://cdn.example/a.ogg" } },
      { type: "video", video: { id: "v1", caption: "clip" } },
      { type: "document", document: { id: "d1", filename: "invoice.pdf", caption: "your invoice" } },
      { type: "sticker", sticker: { id: "s1" } },
      { type: "location", location: { latitude: 52.52, longitude: 13.4, name: "Berlin" } },
      { type: "contacts", contacts: [{ name: { formatted_name: "Ann Lee", first_name: "Ann" }, phones: [{ phone: "+15550001", type: "WORK" }] }] },
      { type: "template", template: { namespace: "ns", name: "order_update", language: { policy: "deterministic", code: "en_US" }, components: [{ type: "body", parameters: [{ type: "text", text: "42" }, { type: "currency", currency: { fallback_value: "$1", code: "USD", amount_1000: 1000 } }] }, { type: "button", sub_type: "quick_reply", index: "0", parameters: [{ type: "payload", payload: "yes" }] }] } },
      { type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons: [{ type: "reply", reply: { id: "a", title: "A" } }, { type: "reply", reply: { id: "b", title: "B" } }] } } },
      { type: "interactive", interactive: { type: "list", body: { text: "Pick" }, action: { button: "Options", sections: [{ title: "S1", rows: [{ id: "r1", title: "One" }] }, { title: "S2", rows: [{ id: "r2", title: "Two", description: "2" }] }] } } },
      { type: "reaction", reaction: { message_id: "wamid.abc", emoji: "👍" } },
    ];
    for (const e of examples) expect(send(e).type).toBe(e.type);
  });

  it("refuse an unknown or missing type", () => {
    expect(refusal({ to, type: "hologram" })).toEqual([1009, expect.stringMatching(/^type: must be one of text, image/)]);
    expect(refusal({ to, text: { body: "hi" } })).toEqual([1008, "type: is required"]);
  });

  it("name the missing, unknown or invalid field", () => {
    expect(refusal({ to, type: "text" })).toEqual([1008, "text: is required"]);
    expect(refusal({ to, type: "text", text: {} })).toEqual([1008, "text.body: is required"]);
    expect(refusal({ to, type: "text", text: { body: "hi", bold: true } })).toEqual([1010, "text.bold: not a known parameter"]);
    expect(refusal({ to, type: "text", text: { body: "hi" }, image: { id: "x" } })).toEqual([1010, "image: not a known parameter"]);
    expect(refusal({ to, type: "location", location: { latitude: 91, longitude: 0 } })[1]).toMatch(/^location\.latitude: /);
    expect(refusal({ to, type: "image", image: { id: "a", link: "https://x.y/z.png" } })[1]).toBe("image: exactly one of id and link is required");
    expect(refusal({ to, type: "image", image: { link: "ftp://x.y/z.png" } })[1]).toMatch(/^image\.link: /);
    expect(refusal({ to, type: "audio", audio: { id: "a", caption: "no captions on audio" } })).toEqual([1010, "audio.caption: not a known parameter"]);
  });

  it("refuse text over 4096 characters as too long", () => {
    expect(refusal({ to, type: "text", text: { body: "x".repeat(4097) } })).toEqual([1001, expect.stringMatching(/^text\.body: /)]);
  });

  it("allow at most three reply buttons with unique ids", () => {
    const button = (id: string) => ({ type: "reply", reply: { id, title: id } });
    const msg = (buttons: unknown[]) => ({ to, type: "interactive", interactive: { type: "button", body: { text: "Pick" }, action: { buttons } } });
    expect(refusal(msg(["a", "b", "c", "d"].map(button)))[1]).toMatch(/^interactive\.action\.buttons: Too big/);
    expect(refusal(msg([button("a"), button("a")]))[1]).toBe("interactive.action.buttons: reply ids must be unique");
    expect(refusal(msg([{ type: "reply", reply: { id: "a", title: "x".repeat(21) } }]))[1]).toMatch(/^interactive\.action\.buttons\[0\]\.reply\.title: /);
  });

  it("allow at most ten list sections and ten rows in all", () => {
    const section = (i: number, rows = 1) => ({ title: `S${i}`, rows: Array.from({ length: rows }, (_, r) => ({ id: `${i}-${r}`, title: "t" })) });
    const msg = (sections: unknown[]) => ({ to, type: "interactive", interactive: { type: "list", body: { text: "b" }, action: { button: "Go", sections } } });
    expect(send(msg(Array.from({ length: 10 }, (_, i) => section(i)))).type).toBe("interactive");
    expect(refusal(msg(Array.from({ length: 11 }, (_, i) => section(i))))[1]).toMatch(/^interactive\.action\.sections: Too big/);
    expect(refusal(msg([section(0, 6), section(1, 5)]))[1]).toBe("interactive.action.sections: at most 10 rows in all sections together");
  });

  it("on the Cloud surface require messaging_product whatsapp", () => {
    expect(refusal({ to, type: "text", text: { body: "hi" } }, "cloud")).toEqual([1008, "messaging_product: is required"]);
    expect(refusal({ messaging_product: "sms", to, type: "text", text: { body: "hi" } }, "cloud")[0]).toBe(1009);
  });
});

describe("media references", () => {
  it("are found wherever our media ids appear, with the kind each must be", () => {
    const body = send({ type: "template", template: { name: "t", language: { code: "en" }, components: [{ type: "header", parameters: [{ type: "image", image: { id: "m1" } }, { type: "document", document: { link: "https://x.y/d.pdf" } }] }] } }).body;
    expect(mediaReferences(body)).toEqual([{ id: "m1", kind: "image", field: "template.components[0].parameters[0].image.id" }]);
    expect(mediaReferences(send({ type: "sticker", sticker: { id: "s" } }).body)).toEqual([{ id: "s", kind: "sticker", field: "sticker.id" }]);
  });
});
