// Generates operator/api/types.generated.ts from the CRD, the single source of truth of the API:
//   npx tsx operator/api/generate.ts
// A test fails when the committed file differs from what this produces.
//
// Mapping: a property is optional unless the schema requires it or gives it a default (the API
// server fills defaults before anyone reads an object, so a defaulted field is always present).
// Objects named in `interfaceNames` become exported interfaces; others stay inline.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import yaml from "js-yaml";

export interface Schema {
  type?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/** Schema paths (`spec.webhooks[]`) that become named interfaces. */
export const interfaceNames: Record<string, string> = {
  spec: "WabaInstanceSpec",
  "spec.cloudApi": "CloudApiSpec",
  "spec.webhooks[]": "WebhookSpec",
  "spec.webhooks[].secretRef": "SecretKeyReference",
  "spec.database": "DatabaseSpec",
  "spec.database.managed": "ManagedDatabaseSpec",
  "spec.database.external": "ExternalDatabaseSpec",
  "spec.database.external.secretRef": "SecretReference",
  "spec.media": "MediaSpec",
  "spec.tls": "TlsSpec",
  "spec.persistentVolumeClaimRetentionPolicy": "RetentionPolicy",
  "spec.podTemplate": "PodTemplateOverrides",
  "spec.podTemplate.tolerations[]": "Toleration",
  "spec.podTemplate.imagePullSecrets[]": "LocalObjectReference",
  "spec.podTemplate.resources": "ComponentResources",
  "spec.podTemplate.resources.webapp": "ResourceRequirements",
  "spec.podTemplate.resources.coreapp": "ResourceRequirements",
  "spec.podTemplate.resources.webhook": "ResourceRequirements",
  "spec.podTemplate.resources.database": "ResourceRequirements",
  "spec.podTemplate.resources.migrate": "ResourceRequirements",
  status: "WabaInstanceStatus",
  "status.conditions[]": "Condition",
  "status.gateway": "GatewayStatus",
  "status.gateway.nodes[]": "GatewayNode",
};

export const crdPath = fileURLToPath(new URL("../../crds/waba.dev_wabainstances.yaml", import.meta.url));
export const generatedPath = fileURLToPath(new URL("./types.generated.ts", import.meta.url));

/** The openAPIV3Schema of the CRD's only version. */
export function instanceSchema(crdText: string): Schema {
  const crd = yaml.load(crdText) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const version = crd.spec.versions[0];
  if (!version) throw new Error("the CRD has no version");
  return version.schema.openAPIV3Schema;
}

/** Splits text into lines of at most `width` characters at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function docComment(schema: Schema, indent: string): string {
  const lines = wrap(schema.description ?? "", 96 - indent.length);
  if (schema.default !== undefined) lines.push(`@default ${JSON.stringify(schema.default)}`);
  if (lines.length === 0) return "";
  if (lines.length === 1 && indent.length + (lines[0]?.length ?? 0) <= 92) return `${indent}/** ${lines[0] ?? ""} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`.trimEnd()).join("\n")}\n${indent} */\n`;
}

class Generator {
  private readonly emitted = new Map<string, string>();
  private readonly order: string[] = [];

  typeOf(schema: Schema, path: string, indent: string): string {
    const named = interfaceNames[path];
    if (named !== undefined) {
      this.emit(named, schema, path);
      return named;
    }
    if (schema["x-kubernetes-int-or-string"]) return "number | string";
    if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
    switch (schema.type) {
      case "string":
        return "string";
      case "integer":
      case "number":
        return "number";
      case "boolean":
        return "boolean";
      case "array": {
        if (!schema.items) throw new Error(`${path}: array without items`);
        const item = this.typeOf(schema.items, `${path}[]`, indent);
        return item.includes(" ") ? `readonly (${item})[]` : `readonly ${item}[]`;
      }
      case "object":
        if (schema.properties) return this.objectBody(schema, path, indent);
        if (typeof schema.additionalProperties === "object") {
          return `Readonly<Record<string, ${this.typeOf(schema.additionalProperties, `${path}{}`, indent)}>>`;
        }
        return "Readonly<Record<string, unknown>>";
      default:
        throw new Error(`${path}: unsupported schema type ${String(schema.type)}`);
    }
  }

  private objectBody(schema: Schema, path: string, indent: string): string {
    const inner = `${indent}  `;
    const required = new Set(schema.required ?? []);
    const members = Object.entries(schema.properties ?? {}).map(([name, prop]) => {
      const optional = !required.has(name) && prop.default === undefined ? "?" : "";
      const type = this.typeOf(prop, path === "" ? name : `${path}.${name}`, inner);
      return `${docComment(prop, inner)}${inner}readonly ${name}${optional}: ${type};\n`;
    });
    return `{\n${members.join("")}${indent}}`;
  }

  private emit(name: string, schema: Schema, path: string): void {
    if (schema.type !== "object" || !schema.properties) throw new Error(`${path}: only objects with properties can be named`);
    const text = `${docComment(schema, "")}export interface ${name} ${this.objectBody(schema, path, "")}\n`;
    const before = this.emitted.get(name);
    if (before !== undefined && before !== text) throw new Error(`${path}: ${name} is already used for a different shape`);
    if (before === undefined) this.order.push(name);
    this.emitted.set(name, text);
  }

  output(): string {
    return this.order.map((name) => this.emitted.get(name)).join("\n");
  }
}

/** The TypeScript source of the WabaInstance spec and status types. */
export function generateTypes(crdText: string): string {
  const root = instanceSchema(crdText);
  const generator = new Generator();
  for (const part of ["spec", "status"]) {
    const schema = root.properties?.[part];
    if (!schema) throw new Error(`the CRD schema has no ${part}`);
    generator.typeOf(schema, part, "");
  }
  return [
    "// Generated from crds/waba.dev_wabainstances.yaml by operator/api/generate.ts. Do not edit;",
    "// run `npx tsx operator/api/generate.ts` after changing the CRD.",
    "",
    generator.output(),
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(generatedPath, generateTypes(readFileSync(crdPath, "utf8")));
  console.log(`wrote ${generatedPath}`);
}
