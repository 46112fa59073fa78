import { fullInstance, instance } from "../api/testing/examples.js";
import { desiredChildren } from "../resources/desired.js";
import { testConfig } from "../config/testing/config.js";
import { testInputs } from "../resources/testing/context.js";
import { childKinds, collectionPath, instanceKeysOfChild, instanceKeysOfInstance, instanceKeysOfSecret, referencedSecrets } from "./sources.js";

describe("what the operator watches and which instance a change concerns", () => {
  it("watches every kind of child the builders make", () => {
    const built = new Set(desiredChildren(fullInstance, testConfig, testInputs).objects.map((o) => o.kind));
    expect([...built].sort()).toEqual(childKinds.map((k) => k.kind).sort());
  });

  it("watches all namespaces, or only the configured one", () => {
    expect(collectionPath("apps/v1", "deployments")).toBe("/apis/apps/v1/deployments");
    expect(collectionPath("v1", "secrets", "acme")).toBe("/api/v1/namespaces/acme/secrets");
  });

  it("maps a child to its instance by owner reference, and a retained child (no owner) by its instance label", () => {
    const { objects } = desiredChildren(instance(), testConfig, testInputs);
    for (const child of objects) expect(new Set(instanceKeysOfChild(child))).toEqual(new Set(["waba-test/acme"]));
    expect(objects.find((o) => o.kind === "Secret")?.metadata?.ownerReferences).toBeUndefined();
  });

  it("maps nothing that is not ours", () => {
    expect(instanceKeysOfChild({ metadata: { namespace: "a", name: "x", labels: { "app.kubernetes.io/instance": "acme" } } })).toEqual([]);
  });

  it("maps a user Secret to the instances whose pods read it", () => {
    expect(referencedSecrets(fullInstance.spec)).toEqual(["full-tls", "hooks"]);
    expect(instanceKeysOfSecret({ metadata: { namespace: "waba-test", name: "hooks" } }, [fullInstance, instance()])).toEqual(["waba-test/full"]);
    expect(instanceKeysOfSecret({ metadata: { namespace: "waba-test", name: "unrelated" } }, [fullInstance])).toEqual([]);
  });

  it("maps an instance to itself and to the instances waiting for its number", () => {
    const owner = instance({}, "first", "team-a");
    const waiting = instance({}, "second", "team-b");
    waiting.metadata.uid = "other-uid";
    expect(instanceKeysOfInstance(owner, [owner, waiting])).toEqual(["team-a/first", "team-b/second"]);
  });
});
