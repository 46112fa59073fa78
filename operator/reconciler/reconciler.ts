// The WabaInstance reconciler. It reads like its table of contents:
//   load from the cache → validate against the configuration → one number, one instance →
//   paused? → credentials → desired children → apply each that differs → status → Events.
// Every read comes from the informer caches; a reconcile that finds nothing to change makes no
// request at all. Each step lives in its own file beside this one.
import type { V1Secret } from "@kubernetes/client-node";
import { apiVersion, kind } from "../api/constants.js";
import type { WabaInstance } from "../api/types.js";
import type { OperatorConfig } from "../config/config.js";
import { done, objectKey, type Applier, type EventRecorder, type KubeClient, type ReconcileContext, type Reconciler } from "../controller/index.js";
import { buildContext } from "../resources/context.js";
import type { Credentials } from "../resources/credentials.js";
import { desiredChildren, type DesiredChildren } from "../resources/desired.js";
import { generateCredentials } from "../resources/generate-credentials.js";
import { childName } from "../resources/metadata.js";
import { statusEqual } from "../resources/status.js";
import { LiveView, applyChildren, type ChildAction } from "./apply-children.js";
import { numberOwner } from "./conflicts.js";
import { createCredentials } from "./credentials.js";
import { UnkeptFields, withDesiredHash } from "./drift.js";
import { gatherInputs, observedChildren } from "./inputs.js";
import { objectId, type RecentWrites } from "./recent-writes.js";
import { isBeingDeleted } from "./retention.js";
import type { Caches } from "./sources.js";
import { nextStatus, transitionEvents, type EventNote, type Outcome } from "./status.js";

export interface ReconcilerDeps {
  readonly config: OperatorConfig;
  readonly caches: Caches;
  readonly applier: Applier;
  readonly client: KubeClient;
  readonly events: EventRecorder;
  /** This process's writes the caches have not shown yet (shared with the informers, which clear it). */
  readonly recent: RecentWrites;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default generateCredentials (the CSPRNG) */
  readonly generate?: () => Credentials;
}

export function instanceReconciler(deps: ReconcilerDeps): Reconciler {
  const now = deps.now ?? (() => new Date());
  const generate = deps.generate ?? (() => generateCredentials());
  const unkept = new UnkeptFields();

  /** Everything up to the status: what the instance's state is after this reconcile's writes. */
  async function converge(instance: WabaInstance, ctx: ReconcileContext): Promise<{ outcome: Outcome; actions: readonly ChildAction[] }> {
    const view = new LiveView(deps.caches.children, deps.recent);
    const { namespace, name } = ctx;
    const cachedSecret = view.get("Secret", namespace, childName(name, "credentials"));
    const generated = generate();
    const checked = buildContext(instance, deps.config, { credentials: { existing: cachedSecret?.data, generated } });
    if (!checked.context) return { outcome: { kind: "invalid", problems: checked.problems }, actions: [] };

    const owner = numberOwner(instance, deps.caches.instances.list());
    if (owner) return { outcome: { kind: "conflict", owner: objectKey(owner) }, actions: [] };

    if (instance.spec.paused) return { outcome: { kind: "paused" }, actions: [] };

    await deps.caches.userSecrets.waitForSync(ctx.signal);
    const { inputs, migration } = gatherInputs(checked.context, view, deps.caches.userSecrets, { existing: cachedSecret, generated });
    let desired = desiredChildren(instance, deps.config, inputs);
    const actions: ChildAction[] = [];
    if (!cachedSecret) {
      ctx.signal.throwIfAborted();
      const made = await createCredentials(deps.client, withDesiredHash(secretOf(desired)), deps.applier.fieldManager);
      view.wrote(made.secret);
      if (made.created) actions.push({ verb: "created", kind: "Secret", name: made.secret.metadata?.name ?? "" });
      else desired = desiredChildren(instance, deps.config, { ...inputs, credentials: { existing: made.secret.data, generated } });
    }

    const report = await applyChildren({ ...desired, superseded: migration.superseded }, view, {
      applier: deps.applier, client: deps.client, signal: ctx.signal, logger: ctx.logger, unkept,
    });
    const context = desired.context ?? checked.context;
    return {
      outcome: { kind: "reconciled", context, observed: observedChildren(view, context), failures: report.failures },
      actions: [...actions, ...report.actions],
    };
  }

  return async (_key, ctx) => {
    const id = objectId(kind, ctx.namespace, ctx.name);
    const cached = deps.caches.instances.get(ctx.namespace, ctx.name);
    const instance = deps.recent.resolve(id, cached);
    if (!instance || isBeingDeleted(instance)) return done;

    const { outcome, actions } = await converge(instance, ctx);

    const status = nextStatus(instance, outcome, now());
    if (!statusEqual(instance.status, status)) {
      ctx.signal.throwIfAborted();
      const { object } = await deps.applier.applyStatus({ apiVersion, kind, metadata: { name: ctx.name, namespace: ctx.namespace }, status });
      deps.recent.record(id, object);
    }

    const context = outcome.kind === "reconciled" ? outcome.context : undefined;
    const notes = [...childEvents(actions), ...transitionEvents(instance.status, status, context)];
    if (outcome.kind === "reconciled" && outcome.failures.length) {
      notes.push({ type: "Warning", reason: "ApplyFailed", action: "Apply", note: outcome.failures.join("; ") });
    }
    for (const note of notes) deps.events.record({ regarding: instance, ...note });

    // Failed writes are retried with backoff; the status already says what failed.
    if (outcome.kind === "reconciled" && outcome.failures.length) throw new Error(outcome.failures.join("; "));
    return done;
  };
}

function secretOf(desired: DesiredChildren): V1Secret {
  const secret = desired.objects.find((o): o is V1Secret => o.kind === "Secret");
  if (!secret) throw new Error("the desired children have no credentials Secret");
  return secret;
}

const verbs = { created: "Created", updated: "Updated", repaired: "Repaired", deleted: "Deleted" } as const;

/** One Event per kind of action: "Created Secret acme-credentials, Service acme-webapp …". */
function childEvents(actions: readonly ChildAction[]): EventNote[] {
  return (Object.keys(verbs) as (keyof typeof verbs)[]).flatMap((verb) => {
    const these = actions.filter((a) => a.verb === verb);
    if (!these.length) return [];
    const list = these.map((a) => `${a.kind} ${a.name}${a.path ? ` (${a.path} differed)` : ""}`).join(", ");
    return [{ type: "Normal" as const, reason: verbs[verb], action: verb === "deleted" ? "Delete" : "Apply", note: `${verb} ${list}` }];
  });
}
