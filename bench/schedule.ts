// When each request of the open-loop load is due. The warm-up raises the offered rate linearly
// from `fromRate` to `rate` (a cold instance at full rate at once spends its first seconds
// compiling and filling caches, and the backlog that builds takes 20–30 s to drain with the little
// CPU a 2-core host has to spare: that is a start-up figure, not the sustained one the target is
// about); the measured window then holds `rate`. fromRate = rate gives the old step start.
export interface Schedule {
  readonly rate: number;
  readonly fromRate: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** Requests in the warm-up: the area under the ramp. */
const warmupCount = (s: Schedule) => ((s.fromRate + s.rate) / 2) * (s.warmupMs / 1000);

export const totalRequests = (s: Schedule): number => Math.round(warmupCount(s) + (s.rate * s.durationMs) / 1000);

/** Milliseconds from the start of the load until request `i` is due. */
export function dueOffsetMs(s: Schedule, i: number): number {
  const inWarmup = warmupCount(s);
  if (i >= inWarmup) return s.warmupMs + ((i - inWarmup) / s.rate) * 1000;
  const w = s.warmupMs / 1000;
  const slope = (s.rate - s.fromRate) / w; // requests/s per second
  // i = fromRate·t + slope·t²/2, solved for t (the linear case when the rate does not change)
  const t = slope === 0 ? i / s.fromRate : (-s.fromRate + Math.sqrt(s.fromRate ** 2 + 2 * slope * i)) / slope;
  return t * 1000;
}
