// The controller runtime: a small, generic library for operators on @kubernetes/client-node 1.4.
// See README.md beside this file for the model and a worked example.
export { Manager, type ManagerOptions } from "./manager.js";
export { Controller, type ControllerOptions, type OwnerKind } from "./controller.js";
export { done, requeueAfter, type Outcome, type ReconcileContext, type Reconciler } from "./reconcile.js";
export { TerminalError, apiErrorInfo, describeError, isConflict, isGone, isNotFound, statusOf, type ApiErrorInfo } from "./errors.js";
export { Informer, type InformerHandlers, type InformerOptions } from "./informer.js";
export type { ObjectStore } from "./cache.js";
export { Applier, type ApplyOutcome, type ApplyResult } from "./apply.js";
export { KubeClient, type KubeClientOptions, type Method, type ObjectReference, type RequestOptions } from "./client.js";
export { EventRecorder, apiEventSink, type EventInput, type EventRecorderOptions, type EventSink, type EventType } from "./events.js";
export { LeaderElector, type LeaderElectionOptions } from "./leader-election.js";
export { OperatorMetrics, type MetricsOptions } from "./metrics.js";
export { createLogger, redact, silentLogger, type Logger, type LoggerOptions } from "./logger.js";
export { controllerOwner, controllerReference, objectKey, splitKey } from "./keys.js";
export { WorkQueue } from "./workqueue.js";
export { systemClock, type Clock } from "./clock.js";
