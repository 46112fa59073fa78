// A small operator built on the runtime, run as a real process by manager.kube.test.ts and an
// example of the API: every ConfigMap labelled example.waba.dev/mirror=true gets a child
// ConfigMap "<name>-mirror" with the same data, owned by it, repaired when changed or deleted.
//
//   KUBECONFIG=… EXAMPLE_NAMESPACE=ns node --import tsx operator/controller/testing/example-operator.ts
import type { V1ConfigMap } from "@kubernetes/client-node";
import { isDeepStrictEqual } from "node:util";
import { Manager, controllerReference, done } from "../index.js";

const namespace = process.env.EXAMPLE_NAMESPACE;
if (!namespace) throw new Error("EXAMPLE_NAMESPACE is required");
const MANAGED_BY = "app.kubernetes.io/managed-by";

const manager = new Manager({
  name: "example-operator",
  leaderElection: { namespace, leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 },
  http: { port: 0, host: "127.0.0.1" },
  shutdownTimeoutMs: 5000,
});
const sources = manager.informer<V1ConfigMap>({ path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: "example.waba.dev/mirror=true" });
const mirrors = manager.informer<V1ConfigMap>({ path: `/api/v1/namespaces/${namespace}/configmaps`, labelSelector: `${MANAGED_BY}=example-operator` });

manager.controller({
  name: "mirror",
  reconcile: async (_key, ctx) => {
    const source = sources.get(ctx.namespace, ctx.name);
    if (!source) return done; // deleted: the garbage collector removes the mirror
    const desired: V1ConfigMap = {
      apiVersion: "v1", kind: "ConfigMap",
      metadata: { name: `${ctx.name}-mirror`, namespace: ctx.namespace, labels: { [MANAGED_BY]: "example-operator" }, ownerReferences: [controllerReference(source)] },
      data: source.data ?? {},
    };
    const current = mirrors.get(ctx.namespace, `${ctx.name}-mirror`);
    if (current && isDeepStrictEqual(current.data ?? {}, desired.data)) return done; // nothing to write
    const { outcome } = await manager.applier.apply(desired, current);
    ctx.logger.info({ outcome }, "mirror applied");
    manager.events.record({ regarding: source, type: "Normal", reason: "Mirrored", action: "Apply", note: `mirror ${outcome}` });
    return done;
  },
}).watch(sources).owns(mirrors, { apiVersion: "v1", kind: "ConfigMap" });

await manager.start();
