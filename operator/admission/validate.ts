// The admission decision for a WabaInstance, as a pure function of the request, every instance the
// operator knows and its configuration. It checks only what the CRD's schema and CEL rules cannot
// know: the number is unique in the cluster, the region, tier and storage classes are configured,
// and the Secret names the pods will reference are names the API server accepts. A request above
// the tier's limits is allowed with a warning saying what will run, since the operator caps it.
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import { buildContext, type Problem } from "../resources/context.js";
import { credentialKeys, type Credentials } from "../resources/credentials.js";
import { capacityOf } from "../resources/shards.js";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

export interface AdmissionInput {
  readonly operation: Operation;
  /** The instance as it would be stored (for CREATE and UPDATE). */
  readonly object?: WabaInstance;
  /** The instance as it is stored (for UPDATE). */
  readonly oldObject?: WabaInstance;
  /** Every instance the operator knows (its informer cache). */
  readonly instances: readonly WabaInstance[];
  readonly config: OperatorConfig;
}

export interface AdmissionDecision {
  readonly allowed: boolean;
  /** The HTTP status the API server answers with: 200 when allowed, 422 when refused. */
  readonly code: number;
  /** Every problem, joined; empty when allowed. */
  readonly message: string;
  /** The problems one by one (the Status's details.causes). */
  readonly problems: readonly Problem[];
  /** Shown by kubectl as "Warning: …" whether or not the request is allowed. */
  readonly warnings: readonly string[];
}

interface Findings {
  readonly problems: readonly Problem[];
  readonly warnings: readonly string[];
}

const keyOf = (i: WabaInstance) => `${i.metadata.namespace ?? ""}/${i.metadata.name ?? ""}`;

/** Another instance (not being deleted) with the number refuses it; one being deleted only warns. */
function numberFindings(object: WabaInstance, instances: readonly WabaInstance[]): Findings {
  const number = object.spec.phoneNumber;
  const others = instances.filter((i) => i.spec.phoneNumber === number && keyOf(i) !== keyOf(object));
  const [live, deleting] = [others.filter((i) => !i.metadata.deletionTimestamp), others.filter((i) => i.metadata.deletionTimestamp)];
  return {
    problems: live.map((i) => ({ field: "spec.phoneNumber", message: `spec.phoneNumber: ${number} is already used by WabaInstance ${keyOf(i)}` })),
    // The reconciler lets the deleting one keep the number until it is gone, then starts this one.
    warnings: deleting.map((i) => `spec.phoneNumber: ${number} is still used by WabaInstance ${keyOf(i)}, which is being deleted: this instance starts once it is gone`),
  };
}

// buildContext's credentials are only used once an instance is built; admission never builds one.
const noCredentials = Object.fromEntries(credentialKeys.map((k) => [k, ""])) as Credentials;

/**
 * The reconciler's own checks (buildContext: region, tier, storage classes of the region, requests
 * within limits), so admission refuses exactly what the reconciler would mark Failed; and what the
 * tier's caps make of the requested shards and throughput.
 */
function configFindings(object: WabaInstance, config: OperatorConfig): Findings {
  // The API server sets name, namespace and uid before validating admission; a dry run may not have a uid.
  const { name, namespace, uid } = object.metadata;
  const stored = { ...object, metadata: { name, namespace, uid: uid || "admission" } };
  const { context, problems } = buildContext(stored, config, { credentials: { generated: noCredentials } });
  if (!context) return { problems: problems.filter((p) => p.field !== "metadata"), warnings: [] };
  const { shards, tier, tierName, spec } = context;
  const capacity = capacityOf(shards.shards, config.messagesPerShard, tier);
  const carries = `the instance carries ${capacity} messages/s`;
  const warnings: string[] = [];
  if (shards.capped) warnings.push(shards.source === "throughput" ? `${shards.capped}: ${carries}` : shards.capped);
  else if (spec.throughput !== undefined && spec.throughput > capacity) {
    warnings.push(`spec.throughput ${spec.throughput} is more than tier ${tierName} allows (${tier.maxMessagesPerSecond} messages/s): ${carries}`);
  }
  return { problems: [], warnings };
}

// A Secret's name is a DNS subdomain; its keys are letters, digits, '-', '_' and '.'.
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const secretKey = /^[-._a-zA-Z0-9]+$/;

/**
 * Secret names and keys the pods will reference: the CRD bounds only their length, and a bad one
 * would make the API server refuse the instance's pods long after the instance was accepted.
 */
function referenceProblems({ spec }: WabaInstance): Problem[] {
  const names: [string, string | undefined][] = [
    ...(spec.webhooks ?? []).map((w, i): [string, string] => [`spec.webhooks[${i}].secretRef.name`, w.secretRef.name]),
    ["spec.database.external.secretRef.name", spec.database.external?.secretRef.name],
    ["spec.tls.secretName", spec.tls?.secretName],
    ...(spec.podTemplate?.imagePullSecrets ?? []).map((s, i): [string, string] => [`spec.podTemplate.imagePullSecrets[${i}].name`, s.name]),
  ];
  const keys = (spec.webhooks ?? []).map((w, i): [string, string] => [`spec.webhooks[${i}].secretRef.key`, w.secretRef.key]);
  return [
    ...names
      .filter((n): n is [string, string] => n[1] !== undefined && !(n[1].length <= 253 && dnsSubdomain.test(n[1])))
      .map(([field, value]) => ({
        field,
        message: `${field}: "${value}" is not a valid Secret name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit)`,
      })),
    ...keys
      .filter(([, value]) => !secretKey.test(value) || value === "." || value === "..")
      .map(([field, value]) => ({ field, message: `${field}: "${value}" is not a valid Secret key (letters, digits, '-', '_' and '.')` })),
  ];
}

function namespaceWarnings(object: WabaInstance, config: OperatorConfig): string[] {
  const watched = config.watchNamespace;
  const namespace = object.metadata.namespace;
  return watched && namespace && namespace !== watched
    ? [`the operator watches only namespace ${watched}: WabaInstance ${keyOf(object)} will not be reconciled`]
    : [];
}

function findings(object: WabaInstance, instances: readonly WabaInstance[], config: OperatorConfig): Findings {
  const parts = [numberFindings(object, instances), configFindings(object, config), { problems: referenceProblems(object), warnings: namespaceWarnings(object, config) }];
  return { problems: parts.flatMap((p) => p.problems), warnings: parts.flatMap((p) => p.warnings) };
}

const allow = (warnings: readonly string[]): AdmissionDecision => ({ allowed: true, code: 200, message: "", problems: [], warnings });

/**
 * Decides a request. An UPDATE is refused only for problems it brings in: one the stored object
 * already has (a duplicate that got in while the webhook was down, a region since removed from
 * the configuration) becomes a warning, so such an instance can still be edited, and its
 * finalizers removed, until it is fixed or deleted.
 */
export function validateInstance({ operation, object, oldObject, instances, config }: AdmissionInput): AdmissionDecision {
  if ((operation !== "CREATE" && operation !== "UPDATE") || !object) return allow([]);
  const found = findings(object, instances, config);
  const before = operation === "UPDATE" && oldObject ? findings(oldObject, instances, config).problems.map((p) => p.message) : [];
  const problems = found.problems.filter((p) => !before.includes(p.message));
  const kept = found.problems.filter((p) => before.includes(p.message)).map((p) => `${p.message} (not changed by this update)`);
  const warnings = [...found.warnings, ...kept];
  if (!problems.length) return allow(warnings);
  return { allowed: false, code: 422, message: problems.map((p) => p.message).join("; "), problems, warnings };
}
