import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { allowedShards, conditionTypes, group, kind, phases, plural, shortName, version } from "./constants.js";
import { generatedPath, generateTypes, type Schema } from "./generate.js";
import { crdText, schema, schemaPaths, valuePaths, withDefaults } from "./testing/crd.js";
import { externalInstance, fullInstance, throughputInstance } from "./testing/examples.js";

interface Crd {
  spec: {
    group: string;
    scope: string;
    names: { kind: string; plural: string; shortNames: string[] };
    versions: {
      name: string;
      subresources: { scale: Record<string, string>; status: object };
      additionalPrinterColumns: { name: string; jsonPath: string; priority?: number }[];
    }[];
  };
}
const crd = yaml.load(crdText) as Crd;
const served = crd.spec.versions[0]!;

function propertiesWithoutDescription(at: Schema, path: string): string[] {
  const own = at.description ? [] : [path];
  const children = Object.entries(at.properties ?? {}).flatMap(([name, prop]) => propertiesWithoutDescription(prop, `${path}.${name}`));
  const items = at.items ? propertiesWithoutDescription(at.items, `${path}[]`) : [];
  return [...own, ...children, ...items];
}

describe("the WabaInstance CRD", () => {
  it("describes every field, so kubectl explain reads well", () => {
    // The API server forbids anything but name and generateName under metadata, a description included.
    const { metadata, ...rest } = schema.properties ?? {};
    expect(metadata?.properties?.name?.description).toBeTruthy();
    const missing = Object.entries(rest).flatMap(([name, prop]) => propertiesWithoutDescription(prop, name));
    expect(missing).toEqual([]);
  });

  it("names the group, version, kind and plural the operator uses", () => {
    expect(crd.spec.group).toBe(group);
    expect(crd.spec.scope).toBe("Namespaced");
    expect(served.name).toBe(version);
    expect(crd.spec.names).toMatchObject({ kind, plural, shortNames: [shortName] });
  });

  it("lists number, region, tier, shards, phase and age in kubectl get", () => {
    const columns = served.additionalPrinterColumns.filter((c) => !c.priority).map((c) => c.name);
    expect(columns).toEqual(["Number", "Region", "Tier", "Shards", "Phase", "Age"]);
  });

  it("points the scale subresource at spec.shards and the ready shards", () => {
    expect(served.subresources.scale).toEqual({
      specReplicasPath: ".spec.shards",
      statusReplicasPath: ".status.readyShards",
      labelSelectorPath: ".status.selector",
    });
    expect(served.subresources.status).toEqual({});
  });

  it("allows the phases and shard counts the code knows", () => {
    expect(schema.properties?.status?.properties?.phase?.enum).toEqual([...phases]);
    const shards = schema.properties?.spec?.properties?.shards as { "x-kubernetes-validations": { rule: string }[] };
    expect(shards["x-kubernetes-validations"][0]?.rule).toBe(`self in [${allowedShards.join(", ")}]`);
    const described = schema.properties?.status?.properties?.conditions?.description ?? "";
    for (const type of conditionTypes) expect(described).toContain(type);
  });
});

describe("the TypeScript types", () => {
  it("are generated from the current CRD", () => {
    expect(readFileSync(generatedPath, "utf8")).toBe(generateTypes(crdText));
  });

  it("are exercised by examples that set every field of the schema", () => {
    const set = new Set([fullInstance, externalInstance, throughputInstance].flatMap((i) => valuePaths(i)));
    const unset = schemaPaths().filter((p) => !set.has(p) && !p.startsWith("metadata."));
    expect(unset).toEqual([]);
    const unknown = [...set].filter((p) => !schemaPaths().includes(p) && !p.startsWith("metadata."));
    expect(unknown).toEqual([]);
  });
});

describe("the type generator", () => {
  const crdOf = (spec: Schema) =>
    yaml.dump({ spec: { versions: [{ schema: { openAPIV3Schema: { type: "object", properties: { spec, status: { type: "object", properties: { n: { type: "integer" } } } } } } }] } });

  it("makes required and defaulted fields mandatory and the rest optional", () => {
    const out = generateTypes(crdOf({
      type: "object",
      required: ["a"],
      properties: {
        a: { type: "string", description: "required" },
        b: { type: "string", default: "x", enum: ["x", "y"] },
        c: { type: "object", additionalProperties: { "x-kubernetes-int-or-string": true } },
        d: { type: "array", items: { type: "boolean" } },
      },
    }));
    expect(out).toContain("/** required */\n  readonly a: string;");
    expect(out).toContain('/** @default "x" */\n  readonly b: "x" | "y";');
    expect(out).toContain("readonly c?: Readonly<Record<string, number | string>>;");
    expect(out).toContain("readonly d?: readonly boolean[];");
  });

  it("refuses one interface name for two shapes", () => {
    const shape = (p: string) => ({ type: "object", properties: { [p]: { type: "string" } } });
    const spec = { type: "object", properties: { podTemplate: { type: "object", properties: { resources: { type: "object", properties: { webapp: shape("a"), coreapp: shape("b") } } } } } };
    expect(() => generateTypes(crdOf(spec))).toThrow("spec.podTemplate.resources.coreapp: ResourceRequirements is already used for a different shape");
  });
});

describe("structural defaulting in tests", () => {
  it("fills nested defaults inside a defaulted object, as the API server does", () => {
    const stored = withDefaults({ spec: { phoneNumber: "+15551234567", region: "r", tier: "t", webhooks: [{ url: "https://h.example", secretRef: { name: "s" } }] } });
    expect(stored.spec).toMatchObject({
      database: { managed: { size: "10Gi" } },
      media: { size: "10Gi", accessMode: "ReadWriteMany" },
      paused: false,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain" },
      webhooks: [{ format: "onprem", events: [], secretRef: { name: "s", key: "secret" } }],
    });
  });
});
