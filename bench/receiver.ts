// The parent's side of bench/receiver-process.ts: forks it and asks it over IPC.
import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface ReceiverProgress {
  readonly delivered: number;
  readonly failed: number;
  readonly events: number;
  readonly duplicates: number;
  readonly badSignatures: number;
  readonly malformed: number;
}

export interface BenchReceiver {
  readonly url: string;
  readonly secret: string;
  readonly pid: number;
  progress(): Promise<ReceiverProgress>;
  /** First arrival (epoch ms) of each message's `delivered` status. */
  deliveredAt(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const secret = randomBytes(24).toString("base64url");
  const child: ChildProcess = fork(new URL("./receiver-process.ts", import.meta.url), [], {
    execArgv: ["--import", "tsx"], env: { PATH: process.env.PATH, BENCH_WEBHOOK_SECRET: secret }, stdio: ["ignore", "inherit", "inherit", "ipc"],
    detached: true, // a scheduling group of its own, as the runtime's roles (see spawnLogged)
  });
  const exited = new Promise<void>((resolve) => { child.once("exit", () => { resolve(); }); });
  const next = <T>(type: string) => new Promise<T>((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m as T);
    };
    const onExit = () => { reject(new Error("the webhook receiver process exited")); };
    child.on("message", onMessage);
    child.once("exit", onExit);
  });
  const ask = <T>(type: string) => {
    const answer = next<T>(type);
    child.send({ type });
    return answer;
  };
  const { url } = await next<{ url: string }>("ready");
  return {
    url, secret, pid: child.pid ?? 0,
    progress: () => ask<ReceiverProgress>("progress"),
    deliveredAt: async () => new Map((await ask<{ at: [string, number][] }>("delivered")).at),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ type: "stop" });
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
