// Pure arithmetic of the benchmark: percentiles, rates and the verdict of a step.

export interface Distribution {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentiles of the values (NaN for none). */
export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
  return { count: sorted.length, p50: rank(0.5), p99: rank(0.99), max: sorted.at(-1) ?? Number.NaN };
}

/** Events per second of the timestamps (ms) that fall in [fromMs, toMs). */
export function rateIn(timestamps: Iterable<number>, fromMs: number, toMs: number): number {
  let n = 0;
  for (const t of timestamps) if (t >= fromMs && t < toMs) n++;
  return toMs > fromMs ? (n * 1000) / (toMs - fromMs) : 0;
}

/** A request of the load: when it was due (epoch ms), and its latencies when it was accepted. */
export interface TimedRequest {
  readonly dueAt: number;
  /** Undefined when it was shed or refused. */
  readonly acceptMs?: number;
  /** Accept to the `delivered` webhook; undefined when none came. */
  readonly deliveredMs?: number;
}

export interface Slot {
  /** Seconds from the start of the load (the warm-up included). */
  readonly fromS: number;
  /** Requests due in the slot, and how many of them were accepted. */
  readonly due: number;
  readonly accepted: number;
  readonly acceptMs: Distribution;
  readonly deliveredMs: Distribution;
}

/**
 * The load cut in slots of `slotMs` from `startMs` by when each request was DUE, so a stall shows
 * in the slot that suffered it (not when its answers finally came). Requests outside the range are left out.
 */
export function timeline(requests: readonly TimedRequest[], startMs: number, endMs: number, slotMs: number): Slot[] {
  const count = Math.max(0, Math.ceil((endMs - startMs) / slotMs));
  const slots = Array.from({ length: count }, () => ({ due: 0, accept: [] as number[], delivered: [] as number[] }));
  for (const r of requests) {
    const slot = slots[Math.floor((r.dueAt - startMs) / slotMs)];
    if (!slot) continue;
    slot.due++;
    if (r.acceptMs !== undefined) slot.accept.push(r.acceptMs);
    if (r.deliveredMs !== undefined) slot.delivered.push(r.deliveredMs);
  }
  return slots.map((s, i) => ({
    fromS: (i * slotMs) / 1000, due: s.due, accepted: s.accept.length, acceptMs: distribution(s.accept), deliveredMs: distribution(s.delivered),
  }));
}

/** The issue's bar: p99 accept latency, nothing lost, and delivery keeping up with what was offered. */
export interface Target {
  readonly p99AcceptMs: number;
  /** Share of the offered rate that must reach the `delivered` webhook during the window. */
  readonly deliveredShare: number;
}

export const issueTarget: Target = { p99AcceptMs: 50, deliveredShare: 0.95 };

export interface StepFigures {
  readonly offeredPerSecond: number;
  readonly acceptedPerSecond: number;
  readonly acceptP99Ms: number;
  readonly deliveredPerSecond: number;
  readonly lost: number;
  /** Requests that did not get a 201 (errors, timeouts, shed by the client). */
  readonly refused: number;
}

/** Why a step misses the target; empty when it meets it. */
export function shortfalls(f: StepFigures, target: Target = issueTarget): string[] {
  const out: string[] = [];
  if (!(f.acceptP99Ms < target.p99AcceptMs)) out.push(`p99 accept ${f.acceptP99Ms.toFixed(1)} ms >= ${target.p99AcceptMs} ms`);
  if (f.lost > 0) out.push(`${f.lost} lost`);
  if (f.refused > 0) out.push(`${f.refused} not accepted`);
  if (f.acceptedPerSecond < f.offeredPerSecond * target.deliveredShare) out.push(`accepted ${Math.round(f.acceptedPerSecond)}/s of ${f.offeredPerSecond}/s offered`);
  if (f.deliveredPerSecond < f.offeredPerSecond * target.deliveredShare) out.push(`delivered ${Math.round(f.deliveredPerSecond)}/s of ${f.offeredPerSecond}/s offered`);
  return out;
}
