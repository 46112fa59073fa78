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
