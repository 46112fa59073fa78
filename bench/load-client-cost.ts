// What the load generator's HTTP client costs (`make bench-load-client`): the benchmark's own load
// (load.ts: the open loop at --rate, its schedule timer included) against a bare server in another
// process (answering-server.ts), with the benchmark's client (http-client.ts) and with undici's
// Pool.request, alternating for --rounds. The figure is the load generator's CPU over the measured
// window per request. Prints a table; writes bench/results/load-client-<timestamp>.json.
//   node --import tsx bench/load-client-cost.ts [--rate 1000] [--seconds 10] [--rounds 2] [--connections 64]
import { fork } from "node:child_process";
import { parseArgs } from "node:util";
import { runOpenLoop, type LoadClient } from "./load.js";
import { writeResults } from "./results-file.js";
import { distribution } from "./stats.js";
import { undiciClient } from "./undici-client.js";

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "1000" },
    seconds: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
  },
});
const positive = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name}: a positive integer, not ${args[name]}`);
  return n;
};
const rate = positive("rate"), seconds = positive("seconds"), rounds = positive("rounds"), connections = positive("connections");
const authorization = "Bearer load-client-cost";
const timeoutMs = 10_000;

const clients: Record<string, ((origin: string) => LoadClient) | undefined> = {
  "http-client.ts": undefined,
  "undici Pool.request": (origin) => undiciClient({ origin, authorization, connections, timeoutMs }),
};

interface Result { readonly client: string; readonly round: number; readonly requests: number; readonly cpuUsPerRequest: { user: number; system: number }; readonly answerMs: { p50: number; p99: number }; readonly notAccepted: number }

const server = fork(new URL("./answering-server.ts", import.meta.url), [], { execArgv: ["--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
const results: Result[] = [];
try {
  const port = await new Promise<number>((resolve, reject) => {
    server.once("message", (m) => { resolve(Number(m)); });
    server.once("exit", () => { reject(new Error("the answering server exited")); });
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let round = 1; round <= rounds; round++) {
    for (const [name, make] of Object.entries(clients)) {
      let cpu = process.cpuUsage();
      const load = await runOpenLoop({
        origin, authorization, client: make?.(origin), rate, fromRate: rate, warmupMs: 2000, durationMs: seconds * 1000,
        recipients: ["491700000001", "491700000002"], connections, maxInFlight: 2000, timeoutMs,
        onWindow: (edge) => { cpu = edge === "start" ? process.cpuUsage() : process.cpuUsage(cpu); },
      });
      const measured = load.accepted.filter((a) => a.measured);
      const latency = distribution(measured.map((a) => a.latencyMs));
      const per = (us: number) => Math.round(us / measured.length);
      const notAccepted = Object.values(load.refused).reduce((x, y) => x + y, 0) + load.shed;
      results.push({ client: name, round, requests: measured.length, cpuUsPerRequest: { user: per(cpu.user), system: per(cpu.system) }, answerMs: { p50: latency.p50, p99: latency.p99 }, notAccepted });
    }
  }
} finally {
  server.disconnect();
}

process.stdout.write(`load generator CPU per request at ${rate}/s over ${seconds} s (the schedule's timer included), against a bare server\n`);
process.stdout.write("client                 round  µs/request (user+system)  answer p50/p99 ms  not accepted\n");
for (const r of results) {
  const cpu = `${r.cpuUsPerRequest.user + r.cpuUsPerRequest.system} (${r.cpuUsPerRequest.user}+${r.cpuUsPerRequest.system})`;
  process.stdout.write(`${r.client.padEnd(23)}${String(r.round).padEnd(7)}${cpu.padEnd(26)}${`${r.answerMs.p50.toFixed(1)}/${r.answerMs.p99.toFixed(1)}`.padEnd(19)}${r.notAccepted}\n`);
}
writeResults("load-client", { args, results });
