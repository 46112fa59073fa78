// `kubectl port-forward` to a Service of the kind cluster, on a free local port, for as long as a
// test needs it.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { toolsDir } from "../testing/run.js";
import { waitFor, type TestCluster } from "../testing/cluster.js";

export interface PortForward {
  /** http://127.0.0.1:<local port> */
  readonly url: string;
  close(): void;
}

export async function portForward(cluster: TestCluster, namespace: string, service: string, port: number): Promise<PortForward> {
  const child = spawn(join(toolsDir, "kubectl"), ["--kubeconfig", cluster.kubeconfigPath, "-n", namespace, "port-forward", `service/${service}`, `:${port}`], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (output += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (output += d));
  try {
    const local = await waitFor(() => /Forwarding from 127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? (child.exitCode !== null ? Promise.reject(new Error(output)) : undefined), {
      what: `kubectl port-forward to ${namespace}/${service}:${port}`,
    });
    return { url: `http://127.0.0.1:${local}`, close: () => child.kill() };
  } catch (e) {
    child.kill();
    throw e;
  }
}
