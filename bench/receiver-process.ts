// The benchmark's webhook endpoint, in a process of its own (its CPU is measured apart, and its
// arrival timestamps do not wait behind the load generator's event loop): the tests' signed
// receiver (runtime/webhook/testing/receiver.ts), answering over IPC:
//   → {type:"progress"}  ← {type:"progress", delivered, events, duplicates, badSignatures, malformed}
//   → {type:"delivered"}  ← {type:"delivered", at: [[id, epochMs]…]} (first arrival of each `delivered`)
//   → {type:"stop"}
// Started by bench/receiver.ts with BENCH_WEBHOOK_SECRET in its environment.
import { startReceiver } from "../runtime/webhook/testing/receiver.js";

const receiver = await startReceiver({ secret: process.env.BENCH_WEBHOOK_SECRET ?? "", keysOnly: true });
const deliveredAt = new Map<string, number>();
const failed = new Set<string>();
let scanned = 0;

/** Folds the requests answered since the last call into the first-arrival map. */
function scan(): void {
  const requests = receiver.requests;
  for (; scanned < requests.length; scanned++) {
    const r = requests[scanned];
    if (!r || r.answered === undefined) break;
    if (r.answered < 200 || r.answered >= 300) continue;
    for (const key of r.keys) {
      if (key.endsWith(":delivered")) {
        const id = key.slice("status:".length, -":delivered".length);
        if (!deliveredAt.has(id)) deliveredAt.set(id, r.at);
      } else if (key.endsWith(":failed")) failed.add(key);
    }
  }
}

type Request = { type: "progress" } | { type: "delivered" } | { type: "stop" };

process.on("message", (m: Request) => {
  scan();
  if (m.type === "progress") {
    process.send?.({
      type: "progress", delivered: deliveredAt.size, failed: failed.size, events: receiver.events.size,
      duplicates: receiver.duplicates, badSignatures: receiver.badSignatures, malformed: receiver.malformed,
    });
  } else if (m.type === "delivered") {
    process.send?.({ type: "delivered", at: [...deliveredAt] });
  } else {
    void receiver.close().then(() => { process.disconnect(); });
  }
});
process.send?.({ type: "ready", url: receiver.url });
