// Facts about the machine that change the figures and are not ours to change.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const damonRoot = "/sys/kernel/mm/damon/admin/kdamonds";

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return undefined;
  }
};
const list = (path: string): string[] => {
  try {
    return readdirSync(path).filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
};

/**
 * The actions of the kernel's DAMON schemes that are running (e.g. "pageout"), one per scheme.
 * On the development VM a DAMON pageout daemon made every process need more CPU as a run went on,
 * enough to break the 300-s p99 accept target; bench/FINDINGS.md has the figures.
 */
export function runningDamonSchemes(): string[] {
  return list(damonRoot)
    .filter((k) => read(join(damonRoot, k, "state")) === "on")
    .flatMap((k) => list(join(damonRoot, k, "contexts")).flatMap((c) => {
      const schemes = join(damonRoot, k, "contexts", c, "schemes");
      return list(schemes).map((s) => read(join(schemes, s, "action")) ?? "unknown");
    }));
}

/**
 * Whether a PostgreSQL server's shared memory is on huge pages (its postmaster maps pages larger
 * than 4 kB). With huge_pages = try, PostgreSQL takes them when the machine reserves some
 * (vm.nr_hugepages); on the development VM that cut PostgreSQL's CPU per message by a quarter
 * with DAMON on (bench/FINDINGS.md).
 */
export function postgresOnHugePages(postmaster: number | undefined): boolean {
  const smaps = postmaster === undefined ? undefined : read(`/proc/${postmaster}/smaps`);
  return [...(smaps ?? "").matchAll(/^KernelPageSize:\s+(\d+) kB$/gm)].some((m) => Number(m[1]) > 4);
}

/** The machine's CPU time since boot, all cores, in ticks (the first line of /proc/stat). */
export interface CpuTimes {
  readonly user: number;
  readonly nice: number;
  readonly system: number;
  readonly idle: number;
  readonly iowait: number;
  readonly irq: number;
  readonly softirq: number;
  /** Time the hypervisor ran something else while this VM's CPUs wanted to run. */
  readonly steal: number;
}

export function parseCpuTimes(procStat: string): CpuTimes {
  const fields = /^cpu +(.*)$/m.exec(procStat)?.[1]?.trim().split(/\s+/).map(Number);
  if (!fields || fields.length < 8 || fields.some((n) => !Number.isFinite(n))) throw new Error("/proc/stat: no aggregate cpu line");
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  return { user, nice, system, idle, iowait, irq, softirq, steal };
}

export function readCpuTimes(): CpuTimes | undefined {
  const text = read("/proc/stat");
  return text === undefined ? undefined : parseCpuTimes(text);
}

/** Shares of all cores' time, in %. */
export interface MachineShares {
  readonly busy: number;
  readonly kernel: number;
  readonly steal: number;
}

/**
 * Between two readings, as % of all cores' time: busy (running this machine's work), the kernel's
 * part of it (system, irq, softirq), and steal. Steal tells a run slowed by the host's other
 * guests apart from one slowed by its own load.
 */
export function machineShares(start: CpuTimes, end: CpuTimes): MachineShares {
  const d = (k: keyof CpuTimes) => end[k] - start[k];
  const total = (Object.keys(end) as (keyof CpuTimes)[]).reduce((sum, k) => sum + d(k), 0);
  const pct = (n: number) => (total > 0 ? Math.round((n / total) * 1000) / 10 : Number.NaN);
  const kernel = d("system") + d("irq") + d("softirq");
  return { busy: pct(d("user") + d("nice") + kernel), kernel: pct(kernel), steal: pct(d("steal")) };
}
