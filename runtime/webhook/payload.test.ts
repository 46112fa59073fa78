import { decodeEvent, openRow, planPosts, rowValues, sealedEvents, webhookBody, type CloudIdentity, type WebhookEvent } from "./payload.js";

const identity: CloudIdentity = { accountId: "2055", phoneNumberId: "1055", displayPhoneNumber: "15550001111" };
const sent = decodeEvent("status", { status: { id: "wamid.A", recipient_id: "15550002222", status: "sent", timestamp: "1700000000" } });
const failed = decodeEvent("status", {
  status: { id: "wamid.B", recipient_id: "15550002222", status: "failed", timestamp: "1700000001", errors: [{ code: 1013, title: "User is not valid", details: "no device" }] },
});
const inbound = (id: string, from: string): WebhookEvent => decodeEvent("message", {
  contact: { profile: { name: `User ${from}` }, wa_id: from },
  message: { from, id, timestamp: "1700000002", type: "text", text: { body: "hi" } },
});

describe("webhook bodies", () => {
  it("carry statuses on-prem as {statuses: […]}", () => {
    expect(webhookBody("onprem", [sent, failed], identity)).toEqual({
      statuses: [
        { id: "wamid.A", recipient_id: "15550002222", status: "sent", timestamp: "1700000000" },
        { id: "wamid.B", recipient_id: "15550002222", status: "failed", timestamp: "1700000001", errors: [{ code: 1013, title: "User is not valid", details: "no device" }] },
      ],
    });
  });

  it("carry inbound messages on-prem as {contacts, messages}, one contact per sender", () => {
    expect(webhookBody("onprem", [inbound("m1", "111"), inbound("m2", "111"), inbound("m3", "222")], identity)).toEqual({
      contacts: [{ profile: { name: "User 111" }, wa_id: "111" }, { profile: { name: "User 222" }, wa_id: "222" }],
      messages: [
        { from: "111", id: "m1", timestamp: "1700000002", type: "text", text: { body: "hi" } },
        { from: "111", id: "m2", timestamp: "1700000002", type: "text", text: { body: "hi" } },
        { from: "222", id: "m3", timestamp: "1700000002", type: "text", text: { body: "hi" } },
      ],
    });
  });

  it("wrap the same arrays in the Cloud envelope, with Cloud's error fields", () => {
    expect(webhookBody("cloud", [failed], identity)).toEqual({
      object: "whatsapp_business_account",
      entry: [{
        id: "2055",
        changes: [{
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550001111", phone_number_id: "1055" },
            statuses: [{
              id: "wamid.B", recipient_id: "15550002222", status: "failed", timestamp: "1700000001",
              errors: [{ code: 1013, title: "User is not valid", message: "User is not valid", details: "no device", error_data: { details: "no device" } }],
            }],
          },
        }],
      }],
    });
    const value = (webhookBody("cloud", [inbound("m1", "111")], identity) as { entry: { changes: { value: Record<string, unknown> }[] }[] }).entry[0]!.changes[0]!.value;
    expect(Object.keys(value).sort()).toEqual(["contacts", "messages", "messaging_product", "metadata"]);
  });

  it("refuse events that are not well-formed, naming the field", () => {
    expect(() => decodeEvent("status", { status: { id: "x", status: "sent" } })).toThrow(/recipient_id/);
    expect(() => decodeEvent("message", { message: {} })).toThrow(/contact/);
    expect(() => decodeEvent("reaction", {})).toThrow(/unknown event kind/);
  });

  it("are planned one kind per POST, at most the batch size each, keeping order", () => {
    const items = [sent, inbound("m1", "1"), failed, inbound("m2", "1"), sent].map((event, i) => ({ events: [event], i }));
    expect(planPosts(items, 2).map((post) => post.items.map((x) => x.i))).toEqual([[0, 2], [4], [1, 3]]);
    expect(planPosts(items, 100).map((post) => post.events.length)).toEqual([3, 2]);
  });

  it("are planned across rows of several events, a row's events spanning POSTs when they must", () => {
    const items = [{ i: 0, events: [sent, failed, sent] }, { i: 1, events: [inbound("m1", "1")] }, { i: 2, events: [failed, sent] }];
    const posts = planPosts(items, 2);
    expect(posts.map((post) => post.items.map((x) => x.i))).toEqual([[0], [0, 2], [2], [1]]);
    expect(posts.map((post) => post.events)).toEqual([[sent, failed], [sent, failed], [sent], [items[1]!.events[0]]]);
  });
});

describe("outbox rows", () => {
  const frame = (...sealed: Buffer[]) => Buffer.concat(sealed.flatMap((b) => [Buffer.from([0, 0, 0, b.length]), b]));
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const statusObject = (id: string) => ({ status: { id, recipient_id: "15550002222", status: "sent", timestamp: "1700000000" } });

  it("hold one sealed event without a count, or a batch framed by lengths", () => {
    const one = json(statusObject("a"));
    expect(sealedEvents({ payload: one, events: null })).toEqual([one]);
    const batch = [json(statusObject("a")), Buffer.alloc(0), json(statusObject("b"))];
    expect(sealedEvents({ payload: frame(...batch), events: 3 })).toEqual(batch);
    expect(openRow({ kind: "status", payload: frame(json(statusObject("a")), json(statusObject("b"))), events: 2, sealed: true }, (b) => JSON.parse(b.toString())))
      .toEqual([decodeEvent("status", statusObject("a")), decodeEvent("status", statusObject("b"))]);
  });

  it("refuse a batch whose lengths or count do not add up", () => {
    const batch = frame(json(statusObject("a")), json(statusObject("b")));
    expect(() => sealedEvents({ payload: batch, events: 3 })).toThrow(/holds 2 events, not 3/);
    expect(() => sealedEvents({ payload: batch.subarray(0, batch.length - 1), events: 2 })).toThrow(/cut short/);
    expect(() => sealedEvents({ payload: Buffer.concat([batch, Buffer.from([0, 0])]), events: 2 })).toThrow(/cut short/);
    expect(() => openRow({ kind: "status", payload: frame(json(statusObject("a")), json({ status: {} })), events: 2, sealed: true }, (b) => JSON.parse(b.toString()))).toThrow(/recipient_id/);
  });

  it("hold plain events as a JSON array of the count, never opened", () => {
    const open = () => { throw new Error("a plain row is not opened"); };
    const row = { kind: "status", payload: json([statusObject("a"), statusObject("b")]), events: 2, sealed: false };
    expect(openRow(row, open)).toEqual([decodeEvent("status", statusObject("a")), decodeEvent("status", statusObject("b"))]);
    expect(() => rowValues({ ...row, events: 3 }, open)).toThrow(/not hold an array of 3 events/);
    expect(() => rowValues({ ...row, payload: json(statusObject("a")), events: null }, open)).toThrow(/not hold an array of 1 events/);
    expect(() => rowValues({ ...row, payload: Buffer.from("[{") }, open)).toThrow(SyntaxError);
  });
});
