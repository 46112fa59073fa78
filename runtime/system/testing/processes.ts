// Runtime roles as real processes (`node --import tsx runtime/main.ts <role>`, or the build output
// `node dist/runtime/main.js <role>` that the image runs) whose stdout and
// stderr go straight to a log file (no pipe through the parent, so a benchmark's parent costs
// nothing per log line), with their CPU time read from /proc (Linux).
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

const repoRoot = resolve(import.meta.dirname, "../../..");
const compiledMain = join(repoRoot, "dist/runtime/main.js");

export interface LoggedProcess {
  /** A name unique in its instance (`coreapp-2`); also the log file's name. */
  readonly name: string;
  readonly role: string;
  readonly pid: number;
  readonly logFile: string;
  /** Epoch ms of the spawn (the origin of the times --trace-gc prints, give or take node's start-up). */
  readonly startedAt: number;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or the signal) once the process has exited. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Starts a role with exactly `env` (plus PATH and HOME); extra node flags (e.g. --cpu-prof) go
 * first. `ownSession`: the process gets a session of its own, which under the kernel's autogroup
 * scheduling (sched_autogroup_enabled, on by default here) makes it a scheduling group of its own,
 * as a pod's cgroup is in a cluster and as every PostgreSQL backend already is (they call setsid).
 * Without it, all roles share the parent's group and together get the CPU share of one backend.
 * Such a process no longer gets the terminal's Ctrl-C: its parent must stop it. `compiled`: run
 * the build output (`npm run build`) rather than the sources through tsx.
 */
export function spawnLogged(role: string, name: string, env: NodeJS.ProcessEnv, logDir: string, nodeArgs: readonly string[] = [], ownSession = false, compiled = false): LoggedProcess {
  const entry = compiled ? [compiledMain] : ["--import", "tsx", "runtime/main.ts"];
  if (compiled && !existsSync(compiledMain)) throw new Error(`${compiledMain} is missing: run npm run build first`);
  const logFile = join(logDir, `${name}.log`);
  const fd = openSync(logFile, "a");
  let child: ChildProcess;
  const startedAt = Date.now();
  try {
    child = spawn(process.execPath, [...nodeArgs, ...entry, role], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ["ignore", fd, fd],
      detached: ownSession,
    });
  } finally {
    closeSync(fd); // the child holds its own copy
  }
  const exited = new Promise<number | string>((done) => {
    child.once("exit", (code, signal) => { done(code ?? signal ?? "unknown"); });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    name, role, logFile, startedAt, child, exited, running,
    pid: child.pid ?? 0,
    async stop(graceMs = 15_000) {
      if (!running()) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => { if (running()) child.kill("SIGKILL"); }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The fields of /proc/PID/stat, by the numbers proc(5) gives them (3 = state, 4 = ppid, 14 = utime …). */
export function procStat(pid: number): (n: number) => string {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The fields after the command name (which may contain spaces) start at 3.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (n) => fields[n - 3] ?? "";
}

/** CPU seconds (user + system) a process has used so far; with `children`, also its reaped children's. */
export function cpuSeconds(pid: number, children = false): number {
  const field = procStat(pid);
  const ticks = (n: number) => Number(field(n));
  const own = ticks(14) + ticks(15);
  return (children ? own + ticks(16) + ticks(17) : own) / 100; // USER_HZ = 100 on Linux
}

/** True while a process with this pid exists (a zombie counts as gone). */
export function processExists(pid: number): boolean {
  try {
    return procStat(pid)(3) !== "Z";
  } catch {
    return false;
  }
}
