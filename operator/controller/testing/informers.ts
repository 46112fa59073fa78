// Helpers of the integration suites: an informer on ConfigMaps that records what it saw.
import type { KubeConfig, V1ConfigMap } from "@kubernetes/client-node";
import { KubeClient } from "../client.js";
import { Informer } from "../informer.js";
import { OperatorMetrics } from "../metrics.js";

export const LABEL = "app.kubernetes.io/managed-by";

export function startInformer(kubeConfig: KubeConfig, path: string, labelSelector: string) {
  const metrics = new OperatorMetrics({ defaultMetrics: false });
  const client = new KubeClient({ kubeConfig, metrics });
  // Pages of one object, so every list here is paginated.
  const informer = new Informer<V1ConfigMap>({ path, labelSelector, pageSize: 1, backoff: { initialMs: 100, maxMs: 1000 } }, { client, metrics });
  const seen: string[] = [];
  informer.addHandlers({
    add: (o) => seen.push(`add ${o.metadata!.name}`),
    update: (o, old) => seen.push(`update ${o.metadata!.name} ${old.data?.v ?? ""}->${o.data?.v ?? ""}`),
    delete: (o) => seen.push(`delete ${o.metadata!.name}`),
  });
  informer.start();
  return { informer, seen, metrics, client };
}

export async function restarts(metrics: OperatorMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.informerRestarts.get()).values) out[String(v.labels.reason)] = v.value;
  return out;
}
