// The demo instance of make kind-up does its job with real pods: a message sent through its
// WebApp Service is stored, sent by a CoreApp to the in-cluster WhatsApp network simulator, and
// its statuses (sent, delivered, read) reach the webhook receiver, signed with the instance's
// webhook secret (the receiver refuses anything else).
import { CoreV1Api } from "@kubernetes/client-node";
import { testCluster, waitFor } from "../testing/cluster.js";
import { portForward, type PortForward } from "./port-forward.js";

const cluster = testCluster();
const instance = { namespace: "waba-demo", name: "acme-webhooks" };
const forwards: PortForward[] = [];
afterAll(() => {
  for (const f of forwards) f.close();
});

interface ReceiverState {
  events: { kind: string; id: string; status?: string }[];
  badSignatures: number;
}

test("a message sent through the WebApp Service reaches the network and its statuses reach the webhook receiver", async () => {
  const secret = await cluster.kubeConfig.makeApiClient(CoreV1Api).readNamespacedSecret({ name: `${instance.name}-credentials`, namespace: instance.namespace });
  const plain = (key: string) => Buffer.from(secret.data?.[key] ?? "", "base64").toString("utf8");
  const webapp = await portForward(cluster, instance.namespace, `${instance.name}-webapp`, 80);
  forwards.push(webapp);
  const receiver = await portForward(cluster, "waba-system", "waba-webhook-receiver", 8080);
  forwards.push(receiver);

  const sent = await fetch(`${webapp.url}/v1/messages`, {
    method: "POST",
    headers: {
      authorization: `Basic ${Buffer.from(`${plain("api-key-id")}:${plain("api-key-secret")}`).toString("base64")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ to: "4915112345678", type: "text", text: { body: "hello from make kind-e2e" } }),
  });
  const body = (await sent.json()) as { messages?: { id: string }[] };
  expect(sent.status).toBe(201);
  const id = body.messages?.[0]?.id ?? "";
  expect(id).toMatch(/^wamid\./);

  const statuses = await waitFor(async () => {
    const state = (await (await fetch(`${receiver.url}/events`)).json()) as ReceiverState;
    const seen = new Set(state.events.filter((e) => e.kind === "status" && e.id === id).map((e) => e.status));
    return ["sent", "delivered", "read"].every((s) => seen.has(s)) && { seen: [...seen].sort(), badSignatures: state.badSignatures };
  }, { what: `statuses sent, delivered and read of ${id} at the webhook receiver`, timeoutMs: 60_000, intervalMs: 500 });
  expect(statuses).toEqual({ seen: ["delivered", "read", "sent"], badSignatures: 0 });
});
