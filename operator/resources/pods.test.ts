// What every pod of an instance shares: restricted security, region pinning, overrides, resources
// and the inputs hash.
import type { V1PodTemplateSpec } from "@kubernetes/client-node";
import { inputsHashAnnotation, regionLabel } from "../api/constants.js";
import { fullInstance, instance } from "../api/testing/examples.js";
import type { BuildContext } from "./context.js";
import { coreappStatefulSet } from "./coreapp.js";
import { databaseStatefulSet } from "./database.js";
import { migrationJob } from "./migrate.js";
import { webappDeployment } from "./webapp.js";
import { webhookDeployment } from "./webhook.js";
import { contextFor, fixedCredentials, testContext } from "./testing/context.js";

function templates(ctx: BuildContext): Record<string, V1PodTemplateSpec> {
  return {
    webapp: webappDeployment(ctx).spec!.template,
    coreapp: coreappStatefulSet(ctx).spec!.template,
    webhook: webhookDeployment(ctx).spec!.template,
    migrate: migrationJob(ctx).spec!.template,
    database: databaseStatefulSet(ctx)!.spec!.template,
  };
}

const hashOf = (t: V1PodTemplateSpec) => t.metadata?.annotations?.[inputsHashAnnotation];

describe("every pod of an instance", () => {
  const cases = [testContext(), contextFor(fullInstance)];

  it("meets the restricted Pod Security level", () => {
    for (const ctx of cases) {
      for (const [component, t] of Object.entries(templates(ctx))) {
        const pod = t.spec!;
        expect({ component, context: pod.securityContext }).toMatchObject({ component, context: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } });
        expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
        expect(pod.automountServiceAccountToken).toBe(false);
        for (const c of pod.containers) {
          expect({ component, context: c.securityContext }).toEqual({
            component,
            context: {
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ["ALL"] },
              seccompProfile: { type: "RuntimeDefault" },
            },
          });
          // A read-only root needs a writable /tmp.
          const tmp = c.volumeMounts?.find((m) => m.mountPath === "/tmp");
          expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
        }
        for (const v of pod.volumes ?? []) expect(v.hostPath).toBeUndefined();
      }
    }
  });

  it("is pinned to the region's nodes", () => {
    for (const [ctx, value] of [[testContext(), "eu-central-1"], [contextFor(fullInstance), "me-central-1"]] as const) {
      for (const t of Object.values(templates(ctx))) {
        expect(t.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
          { matchExpressions: [{ key: regionLabel, operator: "In", values: [value] }] },
        ]);
      }
    }
  });

  it("carries the user's overrides without losing the operator's selector labels", () => {
    const ctx = contextFor(fullInstance);
    for (const [component, t] of Object.entries(templates(ctx))) {
      expect(t.metadata?.labels).toEqual({
        team: "messaging",
        "app.kubernetes.io/name": "waba",
        "app.kubernetes.io/instance": "full",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/managed-by": "waba-operator",
        "app.kubernetes.io/part-of": "waba",
      });
      expect(t.metadata?.annotations?.["example.com/owner"]).toBe("messaging");
      expect(t.spec?.nodeSelector).toEqual({ "node.example.com/pool": "waba" });
      expect(t.spec?.tolerations).toEqual([{ key: "dedicated", operator: "Equal", value: "waba", effect: "NoExecute", tolerationSeconds: 300 }]);
      expect(t.spec?.imagePullSecrets).toEqual([{ name: "registry" }]);
    }
  });

  it("keeps the selector labels and the region even if overrides name them (the CRD refuses this too)", () => {
    const ctx = testContext({
      podTemplate: {
        labels: { "app.kubernetes.io/component": "mine", "app.kubernetes.io/instance": "other" },
        annotations: { [inputsHashAnnotation]: "forged" },
        nodeSelector: { [regionLabel]: "us-east-1", disk: "ssd" },
      },
    });
    const t = webappDeployment(ctx).spec!.template;
    expect(t.metadata?.labels?.["app.kubernetes.io/component"]).toBe("webapp");
    expect(t.metadata?.labels?.["app.kubernetes.io/instance"]).toBe("acme");
    expect(hashOf(t)).not.toBe("forged");
    expect(t.spec?.nodeSelector).toEqual({ disk: "ssd" });
  });

  it("gets the tier's resources with the requests and limits the spec names replaced", () => {
    const standard = templates(testContext());
    expect(standard.coreapp?.spec?.containers[0]?.resources).toEqual({ requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "512Mi" } });
    const full = templates(contextFor(fullInstance));
    expect(full.coreapp?.spec?.containers[0]?.resources).toEqual({ requests: { cpu: "1", memory: "512Mi" }, limits: { memory: "1Gi" } });
    expect(full.webhook?.spec?.containers[0]?.resources).toEqual({ requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } });
    expect(full.database?.spec?.containers[0]?.resources).toEqual({ requests: { cpu: "1", memory: "1Gi" }, limits: { memory: "2Gi" } });
  });
});

describe("the inputs hash on pod templates", () => {
  it("is stable for unchanged inputs", () => {
    expect(Object.values(templates(testContext())).map(hashOf)).toEqual(Object.values(templates(testContext())).map(hashOf));
  });

  it("changes when a credential the pod reads changes", () => {
    const before = templates(testContext());
    const existing = { "token-signing-key": Buffer.from("rotated-by-hand").toString("base64") };
    const after = templates(testContext({}, { credentials: { existing, generated: fixedCredentials() } }));
    expect(hashOf(after.webapp!)).not.toBe(hashOf(before.webapp!));
    // The CoreApp does not read the token signing key.
    expect(hashOf(after.coreapp!)).toBe(hashOf(before.coreapp!));
  });

  it("changes when a user Secret the pod reads changes content", () => {
    const ctx = (hash: string) => contextFor(fullInstance, { secretHashes: { hooks: hash, "full-tls": "tls-1" } });
    expect(hashOf(webhookDeployment(ctx("a")).spec!.template)).not.toBe(hashOf(webhookDeployment(ctx("b")).spec!.template));
    const tls = (hash: string) => contextFor(fullInstance, { secretHashes: { "full-tls": hash } });
    expect(hashOf(webappDeployment(tls("1")).spec!.template)).not.toBe(hashOf(webappDeployment(tls("2")).spec!.template));
  });

  it("changes with the image and resources", () => {
    const base = hashOf(webappDeployment(testContext()).spec!.template);
    expect(hashOf(webappDeployment(testContext({}, { workloadImage: "waba-runtime:2" })).spec!.template)).not.toBe(base);
    expect(hashOf(webappDeployment(testContext({ podTemplate: { resources: { webapp: { limits: { memory: "1Gi" } } } } })).spec!.template)).not.toBe(base);
  });

  it("leaves the CoreApp template unchanged when the shard count changes, so scaling rolls no pod", () => {
    const two = coreappStatefulSet(contextFor(instance({ shards: 2 })));
    const eight = coreappStatefulSet(contextFor(instance({ shards: 8 })));
    expect(eight.spec?.replicas).toBe(9);
    expect(eight.spec?.template).toEqual(two.spec?.template);
  });
});
