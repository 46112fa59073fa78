// The operator's configuration: tiers, regions, images and the gateway, from a YAML or JSON file
// that the Helm chart renders. Regions and tiers live here, never in code. A bad file stops the
// operator with one message naming every bad field.
import { readFileSync } from "node:fs";
import yaml from "js-yaml";
import { z } from "zod";
import { allowedShards } from "../api/constants.js";

const quantityPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(\d+(\.\d*)?|\.\d+)))?$/;
const quantity = z
  .union([z.string().regex(quantityPattern, "must be a quantity such as 250m or 1Gi"), z.number().nonnegative()])
  .transform(String);
const resourceList = z.record(z.string().min(1), quantity);
const resources = z.strictObject({ requests: resourceList.optional(), limits: resourceList.optional() });
const positiveInt = z.number().int().positive();
/** Names of tiers and regions: what users write in spec.tier and spec.region. */
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, "must be a lower-case name of at most 63 characters");

const componentResources = z.strictObject({
  webapp: resources.optional(),
  coreapp: resources.optional(),
  webhook: resources.optional(),
  database: resources.optional(),
  migrate: resources.optional(),
});
export type ComponentResourceDefaults = z.output<typeof componentResources>;

const tier = z
  .strictObject({
    /** Messages per second an instance of the tier may send; caps spec.throughput and capacity. */
    maxMessagesPerSecond: positiveInt,
    /** Most CoreApp shards an instance of the tier runs. */
    maxShards: z.number().refine((n) => (allowedShards as readonly number[]).includes(n), `must be one of ${allowedShards.join(", ")}`),
    /** The WebApp's rate limit on /v1/messages. @default perSecond = maxMessagesPerSecond, burst = 3 × perSecond */
    rateLimit: z.strictObject({ perSecond: positiveInt, burst: positiveInt.optional() }).optional(),
    /** Default resources per component; a WabaInstance's spec.podTemplate.resources override them. */
    resources: componentResources.default({}),
  })
  .transform(({ rateLimit, ...rest }) => {
    const perSecond = rateLimit?.perSecond ?? rest.maxMessagesPerSecond;
    return { ...rest, rateLimit: { perSecond, burst: rateLimit?.burst ?? perSecond * 3 } };
  });
export type Tier = z.output<typeof tier>;

const region = z.strictObject({
  /** Value of the node label topology.kubernetes.io/region that the region's nodes carry. */
  nodeLabelValue: z.string().min(1).max(63),
  /** StorageClass of the database volumes (and media volumes, unless mediaStorageClassName). */
  storageClassName: z.string().min(1),
  /** StorageClass of the media volumes, when it differs (for example a ReadWriteMany class). */
  mediaStorageClassName: z.string().min(1).optional(),
  /** Further classes users may name in spec.database.managed / spec.media; all must keep data in the region. */
  allowedStorageClassNames: z.array(z.string().min(1)).default([]),
});
export type Region = z.output<typeof region>;

export const operatorConfigSchema = z.strictObject({
  tiers: z.record(name, tier).refine((r) => Object.keys(r).length > 0, "must name at least one tier"),
  regions: z.record(name, region).refine((r) => Object.keys(r).length > 0, "must name at least one region"),
  images: z.strictObject({
    /** The runtime image (webapp, coreapp, webhook, migrate); a WabaInstance may override it. */
    runtime: z.string().min(1),
    /** The PostgreSQL image of managed databases (official postgres image layout, uid 999). */
    postgres: z.string().min(1),
  }),
  /** The WhatsApp network gateway CoreApps and WebApps connect to (ws:// or wss://). */
  gatewayUrl: z.url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL" }),
  /** Messages per second one CoreApp shard carries; turns spec.throughput into shards. */
  messagesPerShard: z.number().positive(),
  /** Only watch this namespace; all namespaces when absent. */
  watchNamespace: z.string().min(1).optional(),
  /** Log level of the runtime's pods. */
  runtimeLogLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  /** The admission webhook server; absent: the operator serves no admission webhook. */
  webhookServer: z
    .strictObject({
      port: z.number().int().min(1).max(65535).default(9443),
      bindAddress: z.string().min(1).default("0.0.0.0"),
      certFile: z.string().startsWith("/"),
      keyFile: z.string().startsWith("/"),
    })
    .optional(),
});

export type OperatorConfig = z.output<typeof operatorConfigSchema>;
/** The file as written (before defaults). */
export type OperatorConfigInput = z.input<typeof operatorConfigSchema>;

export class OperatorConfigError extends Error {
  override readonly name = "OperatorConfigError";
}

function describePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : String(p))).join(".").replace(/\.\[/g, "[") || "(root)";
}

/** Validates parsed configuration; throws one OperatorConfigError naming every bad field. */
export function parseConfig(value: unknown, source = "operator configuration"): OperatorConfig {
  const result = operatorConfigSchema.safeParse(value, {
    error: (issue) => (issue.code === "invalid_type" && issue.input === undefined ? "is required" : undefined),
  });
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => `${describePath([...issue.path, key])}: unknown field`)
      : [`${describePath(issue.path)}: ${issue.message}`],
  );
  throw new OperatorConfigError(`invalid ${source}:\n  ${problems.join("\n  ")}`);
}

/** Reads and validates a YAML (or JSON) configuration file. */
export function loadConfig(path: string): OperatorConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new OperatorConfigError(`cannot read operator configuration ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch (err) {
    throw new OperatorConfigError(`operator configuration ${path} is not valid YAML: ${(err as Error).message.split("\n")[0] ?? ""}`);
  }
  return parseConfig(parsed, `operator configuration ${path}`);
}
