// Rendering and installing the chart with the cached helm, for the suites.
import type { TestCluster } from "../testing/cluster.js";
import { chartDir, documents, type Manifest } from "./files.js";

/** `--set` pairs and string values: { "operator.replicas": 3 } → ["--set-json", "operator.replicas=3"]. */
export function setArgs(values: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ["--set-json", `${key}=${JSON.stringify(value)}`]);
}

export interface Rendered {
  readonly text: string;
  readonly manifests: Manifest[];
  /** The one manifest of a kind (and name, when several), typed as the caller reads it. */
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- a typed view of parsed YAML
  one<T = Manifest>(kind: string, name?: string): T;
}

/** `helm template` of the chart as release `release` in `namespace`. */
export async function renderChart(cluster: TestCluster, release: string, namespace: string, values: Readonly<Record<string, unknown>> = {}): Promise<Rendered> {
  const { stdout } = await cluster.helm(["template", release, chartDir, "--namespace", namespace, ...setArgs(values)]);
  const manifests = documents(stdout) as Manifest[];
  return {
    text: stdout,
    manifests,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
    one<T>(kind: string, name?: string): T {
      const found = manifests.filter((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
      if (found.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ""}, rendered ${found.length}`);
      return found[0] as T;
    },
  };
}
