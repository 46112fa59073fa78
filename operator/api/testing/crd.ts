// The CRD as data, for tests: its schema, and the API server's structural defaulting applied to an
// object the way a user would write it (so unit tests build instances exactly as stored).
import { readFileSync } from "node:fs";
import { crdPath, instanceSchema, type Schema } from "../generate.js";

export const crdText = readFileSync(crdPath, "utf8");
export const schema: Schema = instanceSchema(crdText);

/**
 * Fills missing properties that have a schema default, then descends, as the API server does:
 * a defaulted object gets its own properties' defaults too.
 */
export function withDefaults<T>(value: T, at: Schema = schema): T {
  if (Array.isArray(value)) {
    const items = at.items;
    return (items ? value.map((v: unknown) => withDefaults(v, items)) : value) as T;
  }
  if (value === null || typeof value !== "object" || !at.properties) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [name, prop] of Object.entries(at.properties)) {
    if (out[name] === undefined && prop.default !== undefined) out[name] = structuredClone(prop.default);
    if (out[name] !== undefined) out[name] = withDefaults(out[name], prop);
  }
  return out as T;
}

/** Every property path of the schema (`spec.webhooks[].url`), maps' values as `{}`. */
export function schemaPaths(at: Schema = schema, path = ""): string[] {
  const paths: string[] = [];
  for (const [name, prop] of Object.entries(at.properties ?? {})) {
    const here = path ? `${path}.${name}` : name;
    paths.push(here, ...schemaPaths(prop, here));
    if (prop.items) paths.push(...schemaPaths(prop.items, `${here}[]`));
  }
  return paths;
}

/** Every property path present in a value, in the notation of schemaPaths. */
export function valuePaths(value: unknown, at: Schema = schema, path = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v: unknown) => (at.items ? valuePaths(v, at.items, `${path}[]`) : []));
  if (value === null || typeof value !== "object" || !at.properties) return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([name, v]) => {
    const prop = at.properties?.[name];
    const here = path ? `${path}.${name}` : name;
    return prop ? [here, ...valuePaths(v, prop, here)] : [here];
  });
}
