// Leader election on a coordination.k8s.io/v1 Lease, as client-go does it:
// - a candidate takes the Lease when it has no holder, or when the holder has not renewed it for
//   leaseDuration as observed on the candidate's own clock (so clock skew between replicas does
//   not matter);
// - the leader renews every retryPeriod; if it cannot renew for renewDeadline (< leaseDuration),
//   or sees another holder, it stops leading — before any other replica may take over;
// - every write is an update carrying the resourceVersion read, so two candidates never both win;
// - release() (graceful shutdown) clears the holder, so another replica takes over at once.
import { randomUUID } from "node:crypto";
import type { KubeClient } from "./client.js";
import { sleep, systemClock, type Clock } from "./clock.js";
import { describeError, isConflict, isNotFound } from "./errors.js";
import { microTime } from "./events.js";
import { silentLogger, type Logger } from "./logger.js";
import type { OperatorMetrics } from "./metrics.js";

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  apiVersion: "coordination.k8s.io/v1";
  kind: "Lease";
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  readonly namespace: string;
  /** Lease name, one per operator. */
  readonly name: string;
  /** This replica (pod name); default a random id. */
  readonly identity?: string;
  /** @default 15000 */
  readonly leaseDurationMs?: number;
  /** @default 10000 */
  readonly renewDeadlineMs?: number;
  /** @default 2000 */
  readonly retryPeriodMs?: number;
  readonly onStartedLeading?: () => void;
  /** Called once when leadership ends for any reason other than release(). */
  readonly onStoppedLeading?: () => void;
}

/** Whether `identity` may write itself into a Lease last seen (changed) at `observedAt`. */
export function mayAcquire(spec: LeaseSpec | undefined, identity: string, observedAt: number, now: number): boolean {
  if (!spec?.holderIdentity || spec.holderIdentity === identity) return true;
  return observedAt + (spec.leaseDurationSeconds ?? 0) * 1000 <= now;
}

/** The Lease spec after `identity` acquires or renews it at `now`. */
export function leaseAfter(spec: LeaseSpec | undefined, identity: string, now: number, leaseDurationSeconds: number): LeaseSpec {
  const renewing = spec?.holderIdentity === identity;
  const transitions = spec?.leaseTransitions ?? 0;
  return {
    holderIdentity: identity,
    leaseDurationSeconds,
    acquireTime: renewing && spec.acquireTime ? spec.acquireTime : microTime(now),
    renewTime: microTime(now),
    // Any change of holder counts, a hand-over after a release included (as client-go counts).
    leaseTransitions: spec && !renewing ? transitions + 1 : transitions,
  };
}

export class LeaderElector {
  readonly identity: string;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly path: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly metrics: OperatorMetrics | undefined;
  private readonly stopper = new AbortController();
  private lease: Lease | undefined;
  private observed = { spec: "", at: 0 };
  private leading = false;
  private running: Promise<void> | undefined;

  constructor(private readonly client: KubeClient, private readonly options: LeaderElectionOptions, deps: { clock?: Clock; logger?: Logger; metrics?: OperatorMetrics } = {}) {
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.leaseDurationMs > this.renewDeadlineMs && this.renewDeadlineMs > this.retryPeriodMs && this.retryPeriodMs > 0)) {
      throw new Error(`leader election needs leaseDuration (${this.leaseDurationMs} ms) > renewDeadline (${this.renewDeadlineMs} ms) > retryPeriod (${this.retryPeriodMs} ms) > 0`);
    }
    this.identity = options.identity ?? `${process.env.HOSTNAME ?? "operator"}_${randomUUID()}`;
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(options.namespace)}/leases/${encodeURIComponent(options.name)}`;
    this.clock = deps.clock ?? systemClock;
    this.logger = (deps.logger ?? silentLogger()).child({ lease: `${options.namespace}/${options.name}`, identity: this.identity });
    this.metrics = deps.metrics;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Campaigns in the background: acquire, then renew until lost or stopped. */
  start(): void {
    this.running ??= this.run();
  }

  /**
   * Stops campaigning. With `release` (graceful shutdown) a held Lease is handed back so another
   * replica takes over at once; without it the Lease simply expires (as if the process died).
   */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopper.abort();
    await this.running;
    if (options.release !== false && this.leading) await this.release();
    this.setLeading(false);
  }

  private stopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    // Acquire: retry every retryPeriod (jittered, so candidates do not move in lockstep).
    while (!this.stopped() && !(await this.tryAcquireOrRenew())) {
      await sleep(this.clock, this.retryPeriodMs * (1 + Math.random() * 0.2), signal);
    }
    if (this.stopped()) return;
    this.setLeading(true);
    this.logger.info("became leader");
    this.options.onStartedLeading?.();
    // Renew: each round must succeed within renewDeadline of the last success.
    let lastRenew = this.clock.now();
    while (!this.stopped()) {
      await sleep(this.clock, this.retryPeriodMs, signal);
      if (this.stopped()) return;
      if (await this.tryAcquireOrRenew()) { lastRenew = this.clock.now(); continue; }
      const otherHolder = this.lease?.spec?.holderIdentity;
      if ((otherHolder && otherHolder !== this.identity) || this.clock.now() - lastRenew >= this.renewDeadlineMs) break;
    }
    if (this.stopped()) return;
    this.setLeading(false);
    this.logger.error({ holder: this.lease?.spec?.holderIdentity }, "lost leadership");
    this.options.onStoppedLeading?.();
  }

  /** One attempt; true when this replica holds the Lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const durationSeconds = Math.ceil(this.leaseDurationMs / 1000);
    const timeoutMs = Math.max(1000, Math.floor(this.renewDeadlineMs / 2));
    try {
      // While leading, renew straight from the Lease written last; a 409 means re-read.
      if (!this.leading || !this.lease) {
        const current = await this.read(timeoutMs);
        if (!current) {
          const created = await this.client.request<Lease>("POST", this.path.slice(0, this.path.lastIndexOf("/")), {
            body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: this.options.name, namespace: this.options.namespace }, spec: leaseAfter(undefined, this.identity, now, durationSeconds) },
            timeoutMs,
          });
          this.remember(created, now);
          return true;
        }
        if (!mayAcquire(current.spec, this.identity, this.observed.at, now)) return false;
      }
      const lease = this.lease;
      if (!lease) return false;
      const updated = await this.client.request<Lease>("PUT", this.path, {
        body: { ...lease, spec: leaseAfter(lease.spec, this.identity, now, durationSeconds) },
        timeoutMs,
      });
      this.remember(updated, now);
      return true;
    } catch (err) {
      if (isConflict(err)) this.lease = undefined; // someone else wrote it: re-read next time
      else this.logger.warn({ err: describeError(err) }, "lease request failed");
      return false;
    }
  }

  private async read(timeoutMs: number): Promise<Lease | undefined> {
    try {
      const lease = await this.client.request<Lease>("GET", this.path, { timeoutMs });
      this.remember(lease, this.clock.now());
      return lease;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Keeps the Lease and, when its spec changed, the local time it was seen to change. */
  private remember(lease: Lease, now: number): void {
    this.lease = lease;
    const spec = JSON.stringify(lease.spec ?? {});
    if (spec !== this.observed.spec) this.observed = { spec, at: now };
  }

  private async release(): Promise<void> {
    const lease = this.lease;
    if (lease?.spec?.holderIdentity !== this.identity) return;
    const now = microTime(this.clock.now());
    try {
      await this.client.request("PUT", this.path, {
        body: { ...lease, spec: { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.spec.leaseTransitions ?? 0 } },
        timeoutMs: this.renewDeadlineMs,
      });
      this.logger.info("released the lease");
    } catch (err) {
      this.logger.warn({ err: describeError(err) }, "could not release the lease; it will expire");
    }
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics?.leader.set({ lease: `${this.options.namespace}/${this.options.name}` }, leading ? 1 : 0);
  }
}
