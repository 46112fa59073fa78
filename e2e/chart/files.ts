// Paths and parsed files of the chart and the kind set-up, for the suites.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
export const chartDir = join(repoRoot, "charts", "waba-operator");
export const examplesDir = join(chartDir, "examples");
export const kindDir = join(repoRoot, "e2e", "kind");

export const readText = (path: string): string => readFileSync(path, "utf8");
/** Every YAML document of a file (or of a multi-document string). */
export const documents = (text: string): unknown[] => yaml.loadAll(text).filter((d) => d !== null && d !== undefined);

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** The example files shipped with the chart, each with its documents. */
export function examples(): { file: string; manifests: Manifest[] }[] {
  return readdirSync(examplesDir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .map((file) => ({ file, manifests: documents(readText(join(examplesDir, file))) as Manifest[] }));
}

export interface ChartValues {
  operator: { replicas: number; podSecurityContext: { runAsUser: number } };
  config: {
    regions: Record<string, { nodeLabelValue: string; storageClassName: string }>;
    tiers: Record<string, { maxShards: number; maxMessagesPerSecond: number }>;
  };
}
export const defaultValues = (): ChartValues => yaml.load(readText(join(chartDir, "values.yaml"))) as ChartValues;
