// Drift: does a cached child differ from what the operator wants, in a field the operator sets?
// Server-side apply would answer the same question with a PATCH, and a PATCH is a write: this
// compares in memory so that a reconcile that finds nothing to change writes nothing.
//
// The comparison is "desired ⊆ live": every field the builder sets must be in the live object
// with the same value; fields the API server defaulted or others added are ignored (server-side
// apply leaves them alone too). Two things make that exact:
//   - quantities are compared by value (the API server stores 1000m as 1, 1024Mi as 1Gi);
//   - a field the builder STOPS setting (a toleration removed from the spec) is invisible to a
//     subset check, so every applied child carries a hash of its desired form
//     (desiredHashAnnotation): a new desired form changes the hash, and the hash is a field we set.
// And one thing makes it safe: a field the API server does not keep (its feature gate is off, as
// StatefulSet maxUnavailable is by default) would look drifted forever and cost a write on every
// reconcile. After each apply the stored object is compared again; fields still missing are
// remembered (UnkeptFields) and skipped until the desired object changes.
import { createHash } from "node:crypto";
import type { KubernetesObject, V1Secret } from "@kubernetes/client-node";
import { canonicalJson } from "../resources/canonical.js";
import { quantityBytes } from "../resources/quantity.js";

/** Annotation on every applied child: a hash of the desired object the operator last applied. */
export const desiredHashAnnotation = "waba.dev/desired-hash";

export type Drift = { readonly equal: true } | { readonly equal: false; readonly path: string };

const same: Drift = { equal: true };
const differs = (path: string): Drift => ({ equal: false, path: path || "(object)" });

/**
 * The hash of a desired object. Secret values are left out (only their keys count): an
 * annotation is readable by anyone who can read the object's metadata.
 */
export function desiredHash(desired: KubernetesObject | V1Secret): string {
  let hashed = desired;
  if (desired.kind === "Secret" && "data" in desired && desired.data) {
    const keysOnly = structuredClone(desired);
    keysOnly.data = Object.fromEntries(Object.keys(desired.data).map((k) => [k, ""]));
    hashed = keysOnly;
  }
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex").slice(0, 32);
}

/** `desired` with its desired-hash annotation, as it is applied. */
export function withDesiredHash<T extends KubernetesObject>(desired: T): T {
  const applied = structuredClone(desired);
  applied.metadata ??= {};
  applied.metadata.annotations = { ...applied.metadata.annotations, [desiredHashAnnotation]: desiredHash(desired) };
  return applied;
}

/** Values whose fields are quantities: resources' requests and limits, emptyDir sizeLimit. */
function isQuantityPath(path: string): boolean {
  return /(^|\.)(requests|limits)\.[^.]+$/.test(path) || /(^|\.)sizeLimit$/.test(path);
}

function sameQuantity(a: unknown, b: unknown): boolean {
  if ((typeof a !== "string" && typeof a !== "number") || (typeof b !== "string" && typeof b !== "number")) return false;
  try {
    return quantityBytes(String(a)) === quantityBytes(String(b));
  } catch {
    return false;
  }
}

/** Zero values the API server omits when it stores an object ("", [], {}). */
function isOmittedZero(value: unknown): boolean {
  if (value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === "object" && value !== null && Object.keys(value).length === 0;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Lists whose items have a name are merged by name under server-side apply: others' items may sit beside ours. */
function keyOf(item: unknown): string | undefined {
  return isRecord(item) && typeof item.name === "string" ? item.name : undefined;
}

/**
 * Whether `live` holds every field of `desired` with an equal value; when not, the path of the
 * first field that differs (for logs and Events: a path, never a value).
 */
export function compareToLive(desired: unknown, live: unknown, ignore: ReadonlySet<string> = new Set(), path = ""): Drift {
  if (desired === undefined || ignore.has(path)) return same;
  if (live === undefined || live === null) return isOmittedZero(desired) ? same : differs(path);
  if (Array.isArray(desired)) return compareLists(desired, live, ignore, path);
  if (isRecord(desired)) {
    if (!isRecord(live)) return differs(path);
    for (const [key, value] of Object.entries(desired)) {
      const drift = compareToLive(value, live[key], ignore, path ? `${path}.${key}` : key);
      if (!drift.equal) return drift;
    }
    return same;
  }
  if (desired === live) return same;
  return isQuantityPath(path) && sameQuantity(desired, live) ? same : differs(path);
}

function compareLists(desired: readonly unknown[], live: unknown, ignore: ReadonlySet<string>, path: string): Drift {
  if (!Array.isArray(live)) return differs(path);
  const keys = desired.map(keyOf);
  if (desired.length > 0 && keys.every((k) => k !== undefined)) {
    for (const [i, item] of desired.entries()) {
      const match = (live as unknown[]).find((l) => keyOf(l) === keys[i]);
      const drift = compareToLive(item, match, ignore, `${path}[${keys[i] ?? i}]`);
      if (!drift.equal) return drift;
    }
    return same;
  }
  // Atomic lists (args, accessModes, tolerations …): applying replaces them whole.
  if (live.length !== desired.length) return differs(path);
  for (const [i, item] of desired.entries()) {
    const drift = compareToLive(item, live[i], ignore, `${path}[${i}]`);
    if (!drift.equal) return drift;
  }
  return same;
}

/** Drift of one desired child (with its hash annotation) from its cached live form. */
export function driftOf(desired: KubernetesObject, live: KubernetesObject | undefined, unkept: ReadonlySet<string> = new Set()): Drift {
  return live ? compareToLive(desired, live, unkept) : differs("(missing)");
}

const objectId = (o: KubernetesObject) => `${o.kind ?? ""}/${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
const hashOf = (o: KubernetesObject) => o.metadata?.annotations?.[desiredHashAnnotation] ?? "";

/** Fields of desired objects that the API server did not store, per object and desired hash. */
export class UnkeptFields {
  private readonly byObject = new Map<string, { readonly hash: string; readonly paths: Set<string> }>();
  /** "Kind path" already reported: a gated field is the same for every object of a kind, so worth one log line. */
  private readonly reported = new Set<string>();

  /** The fields to skip when comparing `desired` (with its hash annotation). */
  of(desired: KubernetesObject): ReadonlySet<string> {
    const entry = this.byObject.get(objectId(desired));
    return entry?.hash === hashOf(desired) ? entry.paths : new Set();
  }

  /** After applying `desired` and getting `stored` back: learns the fields it lacks; returns those not yet reported for its kind. */
  learn(desired: KubernetesObject, stored: KubernetesObject): string[] {
    const paths = new Set(this.of(desired));
    const learnt: string[] = [];
    for (let drift = compareToLive(desired, stored, paths); !drift.equal && learnt.length < 32; drift = compareToLive(desired, stored, paths)) {
      paths.add(drift.path);
      learnt.push(drift.path);
    }
    if (paths.size) this.byObject.set(objectId(desired), { hash: hashOf(desired), paths });
    else this.byObject.delete(objectId(desired));
    const unreported = learnt.filter((path) => !this.reported.has(`${desired.kind ?? ""} ${path}`));
    for (const path of unreported) this.reported.add(`${desired.kind ?? ""} ${path}`);
    return unreported;
  }
}
