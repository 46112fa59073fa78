import { fullInstance, instance } from "../api/testing/examples.js";
import { coreappService, coreappStatefulSet } from "./coreapp.js";
import { mediaClaim } from "./media.js";
import { contextFor, testContext } from "./testing/context.js";
import { endpointOf, webappDeployment, webappService } from "./webapp.js";
import { webhookDeployment } from "./webhook.js";

const selector = (component: string, name = "acme") => ({
  "app.kubernetes.io/name": "waba",
  "app.kubernetes.io/instance": name,
  "app.kubernetes.io/component": component,
});

describe("the WebApp", () => {
  it("runs 2 replicas of the webapp role, spread over nodes and zones, without losing capacity in a rollout", () => {
    const d = webappDeployment(testContext());
    expect(d.metadata?.name).toBe("acme-webapp");
    expect(d.spec?.replicas).toBe(2);
    expect(d.spec?.selector).toEqual({ matchLabels: selector("webapp") });
    expect(d.spec?.strategy?.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    const pod = d.spec!.template.spec!;
    expect(pod.topologySpreadConstraints?.map((c) => c.topologyKey)).toEqual(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]);
    expect(pod.topologySpreadConstraints?.[0]).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector("webapp") } });
    const c = pod.containers[0]!;
    expect(c).toMatchObject({ name: "webapp", image: "waba-runtime:dev", args: ["webapp"], ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] });
    expect(c.livenessProbe?.httpGet).toEqual({ path: "/healthz", port: "http", scheme: "HTTP" });
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "http", scheme: "HTTP" });
    expect(c.volumeMounts).toContainEqual({ name: "media", mountPath: "/usr/local/wamedia" });
    expect(pod.volumes).toContainEqual({ name: "media", persistentVolumeClaim: { claimName: "acme-media" } });
  });

  it("serves HTTPS with the certificate of spec.tls, mounted read-only", () => {
    const ctx = contextFor(fullInstance);
    const pod = webappDeployment(ctx).spec!.template.spec!;
    const c = pod.containers[0]!;
    expect(c.ports).toEqual([{ name: "https", containerPort: 8080, protocol: "TCP" }]);
    expect(c.readinessProbe?.httpGet).toEqual({ path: "/readyz", port: "https", scheme: "HTTPS" });
    expect(c.volumeMounts).toContainEqual({ name: "tls", mountPath: "/etc/waba/tls", readOnly: true });
    expect(pod.volumes).toContainEqual({ name: "tls", secret: { secretName: "full-tls", defaultMode: 0o440 } });
    expect(webappService(ctx).spec?.ports).toEqual([{ name: "https", port: 443, targetPort: "https", protocol: "TCP", appProtocol: "https" }]);
    expect(endpointOf(ctx)).toBe("https://full-webapp.waba-test.svc");
  });

  it("runs the image whose migration succeeded, passed in by the reconciler", () => {
    const d = webappDeployment(testContext({}, { workloadImage: "waba-runtime:old" }));
    expect(d.spec?.template.spec?.containers[0]?.image).toBe("waba-runtime:old");
  });

  it("is reached through a ClusterIP Service on port 80 without TLS", () => {
    const ctx = testContext();
    const s = webappService(ctx);
    expect(s.metadata?.name).toBe("acme-webapp");
    expect(s.spec).toEqual({ type: "ClusterIP", selector: selector("webapp"), ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }] });
    expect(endpointOf(ctx)).toBe("http://acme-webapp.waba-test.svc");
  });
});

describe("the CoreApps", () => {
  it("run shards + 1 pods, started in parallel, behind a headless Service", () => {
    const ctx = contextFor(instance({ shards: 4 }));
    const s = coreappStatefulSet(ctx);
    expect(s.metadata?.name).toBe("acme-coreapp");
    expect(s.spec).toMatchObject({ replicas: 5, podManagementPolicy: "Parallel", serviceName: "acme-coreapp", selector: { matchLabels: selector("coreapp") } });
    const c = s.spec!.template.spec!.containers[0]!;
    expect(c).toMatchObject({ name: "coreapp", args: ["coreapp"] });
    expect(c.env?.map((e) => e.name)).not.toContain("WABA_SHARDS");
    const svc = coreappService(ctx);
    expect(svc.spec).toMatchObject({ clusterIP: "None", publishNotReadyAddresses: true, selector: selector("coreapp") });
  });

  it("follow the throughput and the tier's cap", () => {
    expect(coreappStatefulSet(contextFor(instance({ throughput: 35 }))).spec?.replicas).toBe(5);
    // tier standard allows 8 shards
    expect(coreappStatefulSet(contextFor(instance({ throughput: 1000 }))).spec?.replicas).toBe(9);
    expect(coreappStatefulSet(contextFor(instance({ shards: 32, tier: "basic" }))).spec?.replicas).toBe(3);
    expect(coreappStatefulSet(testContext()).spec?.replicas).toBe(2);
  });
});

describe("the webhook dispatcher", () => {
  it("runs one pod of the webhook role", () => {
    const d = webhookDeployment(contextFor(fullInstance));
    expect(d.metadata?.name).toBe("full-webhook");
    expect(d.spec?.replicas).toBe(1);
    expect(d.spec?.template.spec?.containers[0]).toMatchObject({ name: "webhook", args: ["webhook"], image: "registry.example/waba-runtime:1.2.3" });
  });
});

describe("the media volume", () => {
  it("is claimed in the region's storage class with the spec's size and access mode", () => {
    const pvc = mediaClaim(testContext());
    expect(pvc.metadata?.name).toBe("acme-media");
    expect(pvc.spec).toEqual({ accessModes: ["ReadWriteMany"], storageClassName: "standard-eu-central-1", resources: { requests: { storage: "10Gi" } } });
    const me = mediaClaim(contextFor(instance({ region: "me-central-1", media: { size: "5Gi", accessMode: "ReadWriteOnce" } })));
    expect(me.spec).toEqual({ accessModes: ["ReadWriteOnce"], storageClassName: "standard-me-central-1", resources: { requests: { storage: "5Gi" } } });
  });

  it("is owned by the instance only under the Delete policy", () => {
    expect(mediaClaim(testContext()).metadata?.ownerReferences).toBeUndefined();
    expect(mediaClaim(contextFor(fullInstance)).metadata?.ownerReferences?.[0]).toMatchObject({ kind: "WabaInstance", name: "full", controller: true });
  });
});
