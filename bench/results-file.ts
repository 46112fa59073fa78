// Where the side benchmarks keep their figures: bench/results/<name>-<time>.json (not committed).
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/** Writes the figures to a new results file and prints its path. */
export function writeResults(name: string, figures: unknown): void {
  const dir = resolve(import.meta.dirname, "results");
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(figures, null, 1));
  process.stdout.write(`figures written to ${file}\n`);
}
