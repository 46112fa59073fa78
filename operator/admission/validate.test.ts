import { instance } from "../api/testing/examples.js";
import type { WabaInstance, WabaInstanceSpec } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import { testConfig } from "../config/testing/config.js";
import { validateInstance, type AdmissionInput } from "./validate.js";

const number = "+15551234567";
/** The instance acme/acme as stored, with its number and `spec` on top of the defaults. */
const acme = (spec: Partial<WabaInstanceSpec> = {}) => instance({ phoneNumber: number, ...spec }, "acme", "acme");
const other = instance({ phoneNumber: number }, "first", "shop");
const deleting: WabaInstance = { ...other, metadata: { name: "first", namespace: "shop", deletionTimestamp: new Date("2026-01-02T03:04:05Z") } };
const withoutMe: OperatorConfig = { ...testConfig, regions: { "me-central-1": testConfig.regions["me-central-1"]! } };

const create = (object: WabaInstance, instances: WabaInstance[] = [], config = testConfig): AdmissionInput => ({ operation: "CREATE", object, instances, config });
const update = (object: WabaInstance, oldObject: WabaInstance, instances: WabaInstance[] = [object], config = testConfig): AdmissionInput => ({
  operation: "UPDATE",
  object,
  oldObject,
  instances,
  config,
});

const regionProblem = (region: string) => `spec.region "${region}" is not a configured region (allowed: eu-central-1, me-central-1)`;
const tierProblem = (tier: string) => `spec.tier "${tier}" is not a configured tier (allowed: basic, standard, enterprise)`;
const duplicate = `spec.phoneNumber: ${number} is already used by WabaInstance shop/first`;

describe("validateInstance", () => {
  it.each<[string, AdmissionInput, string[], string[]]>([
    // [behaviour, input, problems (refused when any), warnings]
    ["a new number in a configured region and tier is allowed", create(acme(), [instance({ phoneNumber: "+15550000000" }, "b", "shop")]), [], []],
    ["a number another instance uses, in any namespace, is refused naming it", create(acme(), [other]), [duplicate], []],
    [
      "a number used by an instance being deleted is allowed with a warning",
      create(acme(), [deleting]),
      [],
      [`spec.phoneNumber: ${number} is still used by WabaInstance shop/first, which is being deleted: this instance starts once it is gone`],
    ],
    ["an instance of the same namespace and name in the cache is the object itself, not a duplicate", create(acme(), [acme()]), [], []],
    ["an unknown region is refused naming the value and the allowed ones", create(acme({ region: "mars-1" })), [regionProblem("mars-1")], []],
    ["an unknown tier is refused naming the value and the allowed ones", create(acme({ tier: "gold" })), [tierProblem("gold")], []],
    ["every problem is named at once", create(acme({ region: "mars-1", tier: "gold" }), [other]), [duplicate, tierProblem("gold"), regionProblem("mars-1")], []],
    [
      "a storage class that is not the region's is refused",
      create(acme({ media: { size: "10Gi", accessMode: "ReadWriteMany", storageClassName: "standard-me-central-1" } })),
      ['spec.media.storageClassName "standard-me-central-1" is not a storage class of region eu-central-1 (allowed: standard-eu-central-1)'],
      [],
    ],
    [
      "a request above its limit (after the tier's defaults) is refused",
      create(acme({ tier: "basic", podTemplate: { resources: { coreapp: { requests: { memory: "1Gi" } } } } })),
      ["spec.podTemplate.resources.coreapp: the memory request 1Gi exceeds the limit 256Mi (tier basic gives the values the spec does not set)"],
      [],
    ],
    ["shards above the tier's maximum are allowed with a warning saying what runs", create(acme({ tier: "basic", shards: 16 })), [], ["spec.shards is 16, but tier basic allows at most 2 shards; running 2"]],
    [
      "throughput needing more shards than the tier allows warns with the capacity that runs",
      create(acme({ tier: "basic", throughput: 100 })),
      [],
      ["spec.throughput 100 needs 16 shards, but tier basic allows at most 2 shards; running 2: the instance carries 20 messages/s"],
    ],
    [
      "throughput above the tier's messages/s warns even when the shards fit",
      create(acme({ tier: "enterprise", throughput: 340 })),
      [],
      ["spec.throughput 340 is more than tier enterprise allows (350 messages/s): the instance carries 320 messages/s"],
    ],
    ["throughput within the tier warns nothing", create(acme({ tier: "standard", throughput: 80 })), [], []],
    [
      "Secret names and keys the pods would reference must be valid",
      create(
        acme({
          webhooks: [{ url: "https://h.example/in", secretRef: { name: "Hooks_1", key: "a/b" }, format: "onprem", events: [] }],
          database: { external: { secretRef: { name: "db." } } },
          tls: { secretName: "-tls" },
          podTemplate: { imagePullSecrets: [{ name: "registry" }, { name: "Registry" }] },
        }),
      ),
      [
        `spec.webhooks[0].secretRef.name: "Hooks_1" is not a valid Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`,
        `spec.database.external.secretRef.name: "db." is not a valid Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`,
        `spec.tls.secretName: "-tls" is not a valid Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`,
        `spec.podTemplate.imagePullSecrets[1].name: "Registry" is not a valid Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`,
        `spec.webhooks[0].secretRef.key: "a/b" is not a valid Secret key (letters, digits, '-', '_' and '.')`,
      ],
      [],
    ],
    [
      "an instance outside the namespace the operator watches is allowed with a warning",
      create(acme(), [], { ...testConfig, watchNamespace: "waba" }),
      [],
      ["the operator watches only namespace waba: WabaInstance acme/acme will not be reconciled"],
    ],
    ["an update that keeps the number is allowed", update(acme({ tier: "enterprise" }), acme()), [], []],
    ["an update to an unknown tier is refused", update(acme({ tier: "gold" }), acme()), [tierProblem("gold")], []],
    ["an update that lowers the tier below the shards warns what runs", update(acme({ tier: "basic", shards: 8 }), acme({ shards: 8 })), [], ["spec.shards is 8, but tier basic allows at most 2 shards; running 2"]],
    [
      "an instance that got in beside a duplicate can still be updated, with a warning",
      update(acme({ paused: true }), acme(), [acme(), other]),
      [],
      [`${duplicate} (not changed by this update)`],
    ],
    [
      "an instance whose region was removed from the configuration can still be updated, with a warning",
      update(acme({ paused: true }), acme(), [acme()], withoutMe),
      [],
      ['spec.region "eu-central-1" is not a configured region (allowed: me-central-1) (not changed by this update)'],
    ],
    ["a delete is allowed", { operation: "DELETE", oldObject: acme({ region: "mars-1" }), instances: [other], config: testConfig }, [], []],
  ])("%s", (_behaviour, input, problems, warnings) => {
    const decision = validateInstance(input);
    expect(decision.problems.map((p) => p.message)).toEqual(problems);
    expect(decision.warnings).toEqual(warnings);
    expect(decision.allowed).toBe(problems.length === 0);
    expect(decision.code).toBe(problems.length ? 422 : 200);
    expect(decision.message).toBe(problems.join("; "));
  });

  it("names the field of each problem", () => {
    const { problems } = validateInstance(create(acme({ region: "mars-1", tier: "gold", tls: { secretName: "A" } }), [other]));
    expect(problems.map((p) => p.field)).toEqual(["spec.phoneNumber", "spec.tier", "spec.region", "spec.tls.secretName"]);
  });

  it("accepts a creation whose uid the API server has not set yet (a dry run)", () => {
    const object = acme();
    const decision = validateInstance(create({ ...object, metadata: { name: "acme", namespace: "acme" } }));
    expect(decision).toMatchObject({ allowed: true, warnings: [] });
  });
});
