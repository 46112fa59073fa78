import { deviceContent, inboundMessageObject, inboundPayload, outboundMediaId, statusPayload } from "./payloads.js";

const ref = { media_id: "net1", media_key: "a2V5", sha256: "ab".repeat(32), mime_type: "image/jpeg" };

test("a status event has the on-prem shape with the timestamp in unix seconds as a string", () => {
  expect(statusPayload({ id: "wamid.1", recipient: "4915", status: "delivered", at: new Date(1_700_000_000_500) })).toEqual({
    status: { id: "wamid.1", recipient_id: "4915", status: "delivered", timestamp: "1700000000" },
  });
});

test("a failed status carries its errors, other statuses none", () => {
  const failed = statusPayload({ id: "w", recipient: "4915", status: "failed", at: new Date(0), errors: [{ code: 1013, title: "User is not valid" }] });
  expect(failed.status.errors).toEqual([{ code: 1013, title: "User is not valid" }]);
  expect("errors" in statusPayload({ id: "w", recipient: "4915", status: "sent", at: new Date(0), errors: [] }).status).toBe(false);
});

test("only media messages by id refer to our media", () => {
  expect(outboundMediaId({ type: "image", image: { id: "m1", caption: "c" } })).toBe("m1");
  expect(outboundMediaId({ type: "image", image: { link: "https://example.com/a.jpg" } })).toBeUndefined();
  expect(outboundMediaId({ type: "text", text: { body: "x" } })).toBeUndefined();
});

test("a device receives the network reference in place of our media id, keeping the caption", () => {
  expect(deviceContent({ type: "image", image: { id: "m1", caption: "c" } }, ref)).toEqual({ type: "image", image: { caption: "c", ...ref } });
  const text = { type: "text", text: { body: "x" } };
  expect(deviceContent(text)).toBe(text);
});

test("an inbound text becomes the on-prem message object", () => {
  expect(inboundMessageObject({ id: "wamid.in", from: "4915", timestamp: 1_700_000_000 }, { type: "text", text: { body: "hi" } })).toEqual({
    from: "4915", id: "wamid.in", timestamp: "1700000000", type: "text", text: { body: "hi" },
  });
});

test("inbound media is announced with our media id, its type and hash, never the network's key", () => {
  const message = inboundMessageObject({ id: "w", from: "4915", timestamp: 1 }, { type: "image", image: { ...ref, caption: "look" } }, "our-id");
  expect(message).toEqual({ from: "4915", id: "w", timestamp: "1", type: "image", image: { id: "our-id", mime_type: "image/jpeg", sha256: ref.sha256, caption: "look" } });
  expect(JSON.stringify(message)).not.toContain("a2V5");
});

test("an inbound webhook payload pairs the contact with the message", () => {
  expect(inboundPayload("4915", "Ann", { id: "w" })).toEqual({ contact: { profile: { name: "Ann" }, wa_id: "4915" }, message: { id: "w" } });
});
