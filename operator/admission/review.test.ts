import fc from "fast-check";
import { instance } from "../api/testing/examples.js";
import type { WabaInstance } from "../api/types.js";
import { testConfig } from "../config/testing/config.js";
import { answerReview } from "./review.js";
import { admissionReview as review, reviewUid } from "./testing/reviews.js";

const first = instance({ phoneNumber: "+15551234567" }, "first", "shop");
const known = [first];

const answer = (body: unknown, instances: readonly WabaInstance[] = known) => answerReview(body, () => instances, testConfig);
const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

describe("answerReview", () => {
  it("refuses a duplicate number with a 422 Status naming the field, echoing the uid", () => {
    const a = answer(review("CREATE", json(instance({ phoneNumber: "+15551234567" }, "acme", "acme"))));
    expect(a.httpStatus).toBe(200);
    expect(a.result).toBe("denied");
    expect(a.body).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: {
        uid: reviewUid,
        allowed: false,
        status: {
          status: "Failure",
          code: 422,
          reason: "Invalid",
          message: "spec.phoneNumber: +15551234567 is already used by WabaInstance shop/first",
          details: {
            group: "waba.dev",
            kind: "WabaInstance",
            name: "acme",
            causes: [{ field: "spec.phoneNumber", message: "+15551234567 is already used by WabaInstance shop/first" }],
          },
        },
      },
    });
  });

  it("gives each cause its field and the message without the field, as kubectl prints them", () => {
    const a = answer(review("CREATE", json(instance({ phoneNumber: "+15550000009", region: "mars-1", tls: { secretName: "A" } }, "acme", "acme"))));
    expect(a.body).toMatchObject({
      response: {
        status: {
          details: {
            causes: [
              { field: "spec.region", message: '"mars-1" is not a configured region (allowed: eu-central-1, me-central-1)' },
              { field: "spec.tls.secretName", message: expect.stringMatching(/^"A" is not a valid Secret name/) as string },
            ],
          },
        },
      },
    });
  });

  it("allows with warnings and no status", () => {
    const a = answer(review("CREATE", json(instance({ phoneNumber: "+15550000001", tier: "basic", shards: 4 }, "acme", "acme"))));
    expect(a.result).toBe("warned");
    expect(a.body).toEqual({
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      response: { uid: reviewUid, allowed: true, warnings: ["spec.shards is 4, but tier basic allows at most 2 shards; running 2"] },
    });
  });

  it("allows an update of the instance itself", () => {
    const stored = json(first);
    const a = answer(review("UPDATE", { ...(stored as WabaInstance), spec: { ...first.spec, tier: "enterprise" } }, stored, { namespace: "shop" }));
    expect(a).toMatchObject({ httpStatus: 200, result: "allowed", body: { response: { allowed: true } } });
  });

  it("warns what runs when kubectl scale asks for more shards than the tier allows", () => {
    const basic = instance({ phoneNumber: "+15550000002", tier: "basic" }, "small", "acme");
    const scale = { apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "small", namespace: "acme" }, spec: { replicas: 8 }, status: { replicas: 1 } };
    const request = { subResource: "scale", name: "small", kind: { group: "autoscaling", version: "v1", kind: "Scale" } };
    const a = answer(review("UPDATE", scale, { ...scale, spec: { replicas: 1 } }, request), [first, basic]);
    expect(a.body).toMatchObject({ response: { allowed: true, warnings: ["spec.shards is 8, but tier basic allows at most 2 shards; running 2"] } });
    // An instance the cache does not hold yet: nothing to say.
    expect(answer(review("UPDATE", scale, scale, request), [first]).body).toMatchObject({ response: { allowed: true } });
  });

  it("allows deletes and requests about other resources (a misconfigured rule) without looking at them", () => {
    expect(answer(review("DELETE", null, json(first))).body).toMatchObject({ response: { allowed: true } });
    const pod = review("CREATE", { metadata: { name: "p" }, spec: { containers: [] } }, null, { resource: { group: "", version: "v1", resource: "pods" } });
    expect(answer(pod)).toMatchObject({ httpStatus: 200, ignored: true, body: { response: { allowed: true } } });
  });

  it.each<[string, unknown, string]>([
    ["a body that is not an object", "hello", "(root): Invalid input"],
    ["an AdmissionReview of another version", { ...review("CREATE", json(first)), apiVersion: "admission.k8s.io/v1beta1" }, "apiVersion: Invalid input"],
    ["a review without a request uid", review("CREATE", json(first), null, { uid: "" }), "request.uid: Too small"],
    ["an unknown operation", review("PATCH", json(first)), "request.operation: Invalid option"],
    ["a CREATE without its object", review("CREATE", null), "request.object: is required for CREATE"],
    ["an UPDATE without its old object", review("UPDATE", json(first), null), "request.oldObject: is required for UPDATE"],
    ["an object without a spec", review("CREATE", { metadata: { name: "x" } }), "request.object.spec: Invalid input"],
    ["a tier that is not a string", review("CREATE", { ...first, spec: { ...first.spec, tier: 3 } }), "request.object.spec.tier: Invalid input"],
    ["a resource quantity that is not one", review("CREATE", { ...first, spec: { ...first.spec, podTemplate: { resources: { webapp: { limits: { cpu: "lots" } } } } } }), "request.object.spec.podTemplate.resources.webapp.limits.cpu: Invalid"],
  ])("answers %s with 400 naming what is wrong", (_what, body, message) => {
    const a = answer(body);
    expect(a.httpStatus).toBe(400);
    expect(a.result).toBe("malformed");
    expect(a.body).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest", message: expect.stringContaining(message) as string });
  });

  it("never throws on garbage: any JSON value, or a review with any part replaced, gets 200 or 400", () => {
    const valid = review("CREATE", json(instance({ phoneNumber: "+15550000003" }, "acme", "acme")));
    const paths = ["request", "request.uid", "request.operation", "request.object", "request.object.spec", "request.object.metadata", "request.object.spec.database", "request.object.spec.webhooks", "request.object.spec.podTemplate", "request.resource"];
    const replaced = fc.tuple(fc.constantFrom(...paths), fc.jsonValue()).map(([path, value]) => {
      const copy = structuredClone(valid) as Record<string, unknown>;
      const keys = path.split(".");
      let at = copy;
      for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
      at[keys[keys.length - 1]!] = value;
      return copy;
    });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), replaced), (body) => {
        const a = answer(body);
        expect([200, 400]).toContain(a.httpStatus);
        if (a.httpStatus === 200) expect(a.body).toMatchObject({ response: { uid: (body as typeof valid).request.uid } });
      }),
      { numRuns: 500 },
    );
  });
});
