// Running the cached command-line tools (kubectl, helm) and the cluster scripts from tests.
import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where make tools puts kubectl, helm and the control plane's binaries. */
export const toolsDir = join(process.env.WABA_CACHE ?? join(homedir(), ".cache", "waba-operator"), "bin");
/** e2e/cluster/: up.sh, down.sh, component.sh. */
export const clusterScripts = fileURLToPath(new URL("../cluster/", import.meta.url));

export interface RunOptions {
  /** Written to the command's standard input. */
  readonly input?: string;
  /** Added to the environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Reject when the command exits non-zero. @default true */
  readonly check?: boolean;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const { input, env, check = true } = options;
  const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(input ?? "");
  const code = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c) => { resolve(c ?? -1); });
  });
  if (check && code !== 0) {
    throw new Error(`${basename(file)} ${args.join(" ")} exited with ${code}: ${stderr.trim()}`);
  }
  return { code, stdout, stderr };
}
