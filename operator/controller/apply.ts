// Server-side apply with one field manager. The operator declares the fields it owns, force
// takes them back from anyone who changed them, and fields it no longer sends are removed; the
// API server makes no new resourceVersion when nothing changed.
import type { KubernetesObject } from "@kubernetes/client-node";
import type { KubeClient } from "./client.js";

export type ApplyOutcome = "created" | "updated" | "unchanged";

export interface ApplyResult<T> {
  /** The object as the server stored it. */
  readonly object: T;
  /** created (201), unchanged (resourceVersion equal to `current`'s) or updated. */
  readonly outcome: ApplyOutcome;
}

const APPLY_PATCH = "application/apply-patch+yaml";
const MERGE_PATCH = "application/merge-patch+json";

/** The identity of an object for the API; throws naming the missing field. */
function identity(obj: KubernetesObject): { apiVersion: string; kind: string; name: string; namespace?: string } {
  const { apiVersion, kind } = obj;
  const name = obj.metadata?.name;
  if (!apiVersion) throw new Error("cannot apply an object without apiVersion");
  if (!kind) throw new Error(`cannot apply a ${apiVersion} object without kind`);
  if (!name) throw new Error(`cannot apply a ${kind} without metadata.name`);
  const namespace = obj.metadata?.namespace;
  return namespace ? { apiVersion, kind, name, namespace } : { apiVersion, kind, name };
}

/** Applies objects (and statuses) under one field manager. */
export class Applier {
  constructor(private readonly client: KubeClient, readonly fieldManager: string) {
    if (!fieldManager || fieldManager.length > 128) throw new Error("fieldManager must be 1 to 128 characters");
  }

  /**
   * Server-side applies `desired` (the complete intent of this field manager for that object).
   * Pass `current` (the cached object) to learn whether anything changed.
   */
  async apply<T extends KubernetesObject>(desired: T, current?: KubernetesObject): Promise<ApplyResult<T>> {
    return this.applyAt(desired, undefined, current);
  }

  /**
   * Server-side applies the status subresource: `object` carries apiVersion, kind, metadata
   * (name, namespace) and the status fields this manager owns.
   */
  async applyStatus<T extends KubernetesObject>(object: T, current?: KubernetesObject): Promise<ApplyResult<T>> {
    return this.applyAt(object, "status", current);
  }

  /**
   * JSON-merge-patches the status subresource. With `resourceVersion` the write fails with 409
   * Conflict if the object changed since it was read (optimistic concurrency).
   */
  async mergeStatus<T extends KubernetesObject>(ref: KubernetesObject, status: unknown, resourceVersion?: string): Promise<T> {
    const path = await this.client.path(identity(ref), "status");
    const metadata = resourceVersion ? { metadata: { resourceVersion } } : {};
    return this.client.request<T>("PATCH", path, {
      query: { fieldManager: this.fieldManager },
      body: { ...metadata, status },
      contentType: MERGE_PATCH,
    });
  }

  private async applyAt<T extends KubernetesObject>(object: T, subresource: string | undefined, current?: KubernetesObject): Promise<ApplyResult<T>> {
    const path = await this.client.path(identity(object), subresource);
    const { status, body } = await this.client.send("PATCH", path, {
      query: { fieldManager: this.fieldManager, force: true },
      body: object,
      contentType: APPLY_PATCH,
    });
    const applied = body as T;
    const before = current?.metadata?.resourceVersion;
    const outcome: ApplyOutcome = status === 201 ? "created"
      : before !== undefined && before === applied.metadata?.resourceVersion ? "unchanged" : "updated";
    return { object: applied, outcome };
  }
}

