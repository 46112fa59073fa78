// WabaInstances for tests. `instance()` is what a user writes, defaulted as the API server stores
// it; `fullInstance` sets every field of spec and status (with `externalInstance` and
// `throughputInstance` covering the alternatives), so the schema and the types meet everywhere.
import type { WabaInstance, WabaInstanceSpec } from "../types.js";
import { withDefaults } from "./crd.js";

type UserSpec = Partial<WabaInstanceSpec> & Pick<WabaInstanceSpec, "phoneNumber" | "region" | "tier">;

/** An instance as stored after `kubectl apply` of `spec` (schema defaults filled in). */
export function instance(spec: Partial<WabaInstanceSpec> = {}, name = "acme", namespace = "waba-test"): WabaInstance {
  const written: { spec: UserSpec } = { spec: { phoneNumber: "+15551234567", region: "eu-central-1", tier: "standard", ...spec } };
  return {
    apiVersion: "waba.dev/v1alpha1",
    kind: "WabaInstance",
    metadata: { name, namespace, uid: "0b7c7a4e-5f6d-4b7e-9a53-2c1f0e9d8a71", generation: 1 },
    spec: withDefaults(written).spec as WabaInstanceSpec,
  };
}

export const fullInstance: WabaInstance = {
  apiVersion: "waba.dev/v1alpha1",
  kind: "WabaInstance",
  metadata: { name: "full", namespace: "waba-test", uid: "6a0de8c2-3b8f-4a3e-8f1e-5d2c9b7a4e10", generation: 3 },
  spec: {
    phoneNumber: "+966501234567",
    region: "me-central-1",
    tier: "enterprise",
    shards: 8,
    runtimeImage: "registry.example/waba-runtime:1.2.3",
    cloudApi: { phoneNumberId: "106540352242922", businessAccountId: "102290129340398" },
    webhooks: [
      { url: "https://hooks.example.com/waba", secretRef: { name: "hooks", key: "hmac" }, format: "cloud", events: ["messages", "statuses"] },
      { url: "http://receiver.apps.svc.cluster.local/in", secretRef: { name: "hooks", key: "internal" }, format: "onprem", events: [] },
    ],
    database: { managed: { size: "20Gi", storageClassName: "standard-me-central-1" } },
    media: { size: "50Gi", storageClassName: "standard-me-central-1", accessMode: "ReadWriteMany" },
    tls: { secretName: "full-tls" },
    paused: false,
    persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete" },
    podTemplate: {
      labels: { team: "messaging" },
      annotations: { "example.com/owner": "messaging" },
      nodeSelector: { "node.example.com/pool": "waba" },
      tolerations: [{ key: "dedicated", operator: "Equal", value: "waba", effect: "NoExecute", tolerationSeconds: 300 }],
      imagePullSecrets: [{ name: "registry" }],
      resources: {
        webapp: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
        coreapp: { requests: { cpu: 1, memory: "512Mi" }, limits: { memory: "1Gi" } },
        webhook: { requests: { cpu: "50m" }, limits: { cpu: "500m" } },
        database: { requests: { memory: "1Gi" }, limits: { memory: "2Gi" } },
        migrate: { requests: { cpu: "100m" }, limits: { memory: "256Mi" } },
      },
    },
  },
  status: {
    phase: "Ready",
    observedGeneration: 3,
    conditions: [
      { type: "Ready", status: "True", observedGeneration: 3, lastTransitionTime: "2026-01-02T03:04:05Z", reason: "AllComponentsReady", message: "every component is ready" },
    ],
    desiredShards: 8,
    readyShards: 8,
    capacity: 80,
    endpoint: "https://full-webapp.waba-test.svc",
    credentialsSecret: "full-credentials",
    selector: "app.kubernetes.io/name=waba,app.kubernetes.io/instance=full,app.kubernetes.io/component=coreapp",
    gateway: { status: "connected", nodes: [{ name: "full-coreapp-0", status: "connected", shard: 0 }] },
  },
};

export const externalInstance: WabaInstance = {
  ...fullInstance,
  metadata: { name: "external", namespace: "waba-test", uid: "9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f", generation: 1 },
  spec: { ...fullInstance.spec, database: { external: { secretRef: { name: "external-db" } } } },
  status: undefined,
};

export const throughputInstance: WabaInstance = instance({ throughput: 40 }, "throughput");
