// The operator as a real process (node --import tsx operator/main.ts, or the compiled entry point
// named by WABA_OPERATOR_MAIN, e.g. dist/operator/main.js after npm run build), as tests need it:
// killed with SIGKILL, restarted, run twice for leader election. Its /metrics are read to count
// the requests it made (operator_api_requests_total) and its reconciles.
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { waitFor } from "../../../e2e/testing/cluster.js";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const testConfigPath = fileURLToPath(new URL("../../config/testdata/operator-config.yaml", import.meta.url));

export interface OperatorProcessOptions {
  /** A kubeconfig file (the suite's, impersonating the operator's ServiceAccount). */
  readonly kubeconfig: string;
  /** Namespace of the Lease. */
  readonly namespace: string;
  readonly identity: string;
  /** More flags, e.g. short lease timings or a write limit. */
  readonly args?: readonly string[];
  /** @default the test configuration of operator/config/testdata */
  readonly configPath?: string;
}

/** A sample of operator_* metrics: value by "name{labels}". */
export type Metrics = ReadonlyMap<string, number>;

const writeVerbs = new Set(["create", "update", "patch", "apply", "delete", "deletecollection"]);

export function parseMetrics(text: string): Metrics {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

function labelsOf(series: string): Record<string, string> {
  const inside = /\{(.*)\}$/.exec(series)?.[1] ?? "";
  return Object.fromEntries([...inside.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] ?? "", m[2] ?? ""]));
}

/** Sum of a metric's series whose labels pass `filter`. */
export function sum(metrics: Metrics, name: string, filter: (labels: Record<string, string>) => boolean = () => true): number {
  let total = 0;
  for (const [series, value] of metrics) {
    if ((series === name || series.startsWith(`${name}{`)) && filter(labelsOf(series))) total += value;
  }
  return total;
}

/** Write requests (every verb that changes something), leaving out the Lease's renewals. */
export const writesExceptLeases = (m: Metrics) => sum(m, "operator_api_requests_total", (l) => writeVerbs.has(l.verb ?? "") && l.resource !== "leases");

export class OperatorProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;
  private readonly port: Promise<number>;

  constructor(readonly options: OperatorProcessOptions) {
    const compiled = process.env.WABA_OPERATOR_MAIN;
    const args = [
      ...(compiled ? [compiled] : ["--import", "tsx", "operator/main.ts"]),
      "--config", options.configPath ?? testConfigPath,
      "--namespace", options.namespace,
      "--identity", options.identity,
      "--http-port", "0", "--http-host", "127.0.0.1",
      ...(options.args ?? []),
    ];
    this.child = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, KUBECONFIG: options.kubeconfig, LOG_LEVEL: "info" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => { resolve(code); }));
    this.port = new Promise((resolve, reject) => {
      const read = (stream: NodeJS.ReadableStream) => createInterface({ input: stream }).on("line", (line) => {
        this.lines.push(line);
        if (!line.includes('"manager started"')) return;
        const http = (JSON.parse(line) as { http?: number }).http;
        if (http) resolve(http);
      });
      if (this.child.stdout) read(this.child.stdout);
      if (this.child.stderr) read(this.child.stderr);
      void this.exited.then(() => { reject(new Error(`operator ${options.identity} exited before serving:\n${this.lines.join("\n")}`)); });
    });
    this.port.catch(() => undefined); // observed by metrics()
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async metrics(): Promise<Metrics> {
    const response = await fetch(`http://127.0.0.1:${await this.port}/metrics`);
    return parseMetrics(await response.text());
  }

  async isLeader(): Promise<boolean> {
    return sum(await this.metrics(), "operator_leader") === 1;
  }

  /** Its warnings and errors, one line each: level, message, key and error message. */
  problems(): string[] {
    return this.lines.flatMap((line) => {
      try {
        const { level, msg, key, err } = JSON.parse(line) as { level?: number; msg?: string; key?: string; err?: { message?: string } };
        return (level ?? 0) >= 40 ? [`[${this.options.identity}] ${msg ?? ""}${key ? ` ${key}` : ""}${err?.message ? `: ${err.message}` : ""}`] : [];
      } catch {
        return [`[${this.options.identity}] ${line}`];
      }
    });
  }

  /** Lines of its log that mention `text`. */
  logged(text: string): string[] {
    return this.lines.filter((l) => l.includes(text));
  }

  kill(): Promise<number | null> {
    if (this.running) this.child.kill("SIGKILL");
    return this.exited;
  }

  /** SIGTERM: graceful shutdown (Lease released); SIGKILL if it has not exited after 40 s. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.exited;
    this.child.kill("SIGTERM");
    await waitFor(() => !this.running, { what: `operator ${this.options.identity} to exit`, timeoutMs: 40_000 }).catch(() => this.child.kill("SIGKILL"));
    return this.exited;
  }
}
