// The runtime container every role runs: one image, the role as its argument, the role's exact
// environment, HTTP health endpoints on WABA_PORT, restricted security and a writable /tmp.
import type { V1Container, V1Probe, V1VolumeMount } from "@kubernetes/client-node";
import type { BuildContext } from "./context.js";
import { containerSecurityContext } from "./pod.js";
import { resourcesFor } from "./pod.js";
import { runtimeEnv, runtimePort, type InstanceRole } from "./runtime-env.js";

export interface RuntimeContainerOptions {
  readonly image: string;
  readonly mounts?: readonly V1VolumeMount[];
  /** The port's name and probe scheme: https when the WebApp serves TLS. */
  readonly tls?: boolean;
  /** Long-running roles get liveness and readiness probes; the migrate Job does not. */
  readonly probes: boolean;
}

function probe(path: string, port: string, scheme: "HTTP" | "HTTPS", periodSeconds: number): V1Probe {
  return { httpGet: { path, port, scheme }, periodSeconds, timeoutSeconds: 2, failureThreshold: 3 };
}

export function runtimeContainer(ctx: BuildContext, role: InstanceRole, options: RuntimeContainerOptions): V1Container {
  const port = options.tls ? "https" : "http";
  const scheme = options.tls ? "HTTPS" : "HTTP";
  return {
    name: role,
    image: options.image,
    imagePullPolicy: "IfNotPresent",
    args: [role],
    env: runtimeEnv(ctx, role),
    ports: [{ name: port, containerPort: runtimePort, protocol: "TCP" }],
    ...(options.probes
      ? { livenessProbe: probe("/healthz", port, scheme, 10), readinessProbe: probe("/readyz", port, scheme, 5) }
      : {}),
    resources: resourcesFor(ctx, role),
    securityContext: containerSecurityContext,
    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }, ...(options.mounts ?? [])],
  };
}
