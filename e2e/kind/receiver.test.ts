// The kind cluster's webhook receiver (receiver.mjs) as a real process on loopback: it records
// the statuses and messages of signed on-prem and Cloud bodies and refuses bad signatures.
import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { waitFor } from "../testing/wait.js";

const secret = "receiver-test-secret";
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(process.execPath, [fileURLToPath(new URL("./receiver.mjs", import.meta.url))], {
    env: { PORT: "0", HOST: "127.0.0.1", RECEIVER_SECRET: secret },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => (out += d));
  const port = await waitFor(() => /"port":(\d+)/.exec(out)?.[1], { what: "the receiver to listen" });
  url = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
});

const post = (body: string, signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`) =>
  fetch(`${url}/webhook`, { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": signature }, body });

interface State {
  events: { kind: string; id: string; status?: string; from?: string }[];
  badSignatures: number;
  malformed: number;
}
const state = async () => (await (await fetch(`${url}/events`)).json()) as State;

test("records the statuses of a signed on-prem body and the messages of a signed Cloud body", async () => {
  expect((await post(JSON.stringify({ statuses: [{ id: "wamid.A", status: "sent", recipient_id: "4915112345678", timestamp: "1" }] }))).status).toBe(200);
  const cloud = { object: "whatsapp_business_account", entry: [{ id: "1", changes: [{ field: "messages", value: { messages: [{ id: "wamid.B", from: "4915112345678", type: "text" }] } }] }] };
  expect((await post(JSON.stringify(cloud))).status).toBe(200);
  expect((await state()).events).toEqual([
    expect.objectContaining({ kind: "status", id: "wamid.A", status: "sent" }),
    expect.objectContaining({ kind: "message", id: "wamid.B", from: "4915112345678" }),
  ]);
});

test("refuses a body whose signature is not the secret's, and records nothing of it", async () => {
  const before = await state();
  const body = JSON.stringify({ statuses: [{ id: "wamid.C", status: "sent" }] });
  expect((await post(body, `sha256=${createHmac("sha256", "another secret").update(body).digest("hex")}`)).status).toBe(401);
  expect((await post(body, "")).status).toBe(401);
  const after = await state();
  expect(after.badSignatures).toBe(before.badSignatures + 2);
  expect(after.events).toEqual(before.events);
});
