// What a reconciler is: `reconcile(key, ctx) → Promise<Outcome>`. The outcome is a closed union,
// so the engine's one switch covers every case. Failures are thrown: any error is retried with
// backoff; a TerminalError (errors.ts) is not.
import type { Logger } from "./logger.js";

export type Outcome =
  /** The key is converged; reconcile again only when one of its objects changes. */
  | { readonly kind: "done" }
  /** Converging, or a timed re-check: reconcile again after `ms` (backoff is reset). */
  | { readonly kind: "requeueAfter"; readonly ms: number };

export const done: Outcome = Object.freeze({ kind: "done" });

export function requeueAfter(ms: number): Outcome {
  if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`requeueAfter needs a finite delay >= 0 ms, got ${ms}`);
  return { kind: "requeueAfter", ms };
}

export interface ReconcileContext {
  /** "namespace/name" (or "name" for cluster-scoped objects). */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  /** Aborted when the reconcile's time box ends, on shutdown past its deadline, or when leadership is lost. Stop writing when it fires. */
  readonly signal: AbortSignal;
  /** A child logger with `controller` and `key`. */
  readonly logger: Logger;
  /** How many times this key has been retried after failures since it last succeeded. */
  readonly retries: number;
}

export type Reconciler = (key: string, ctx: ReconcileContext) => Promise<Outcome>;
