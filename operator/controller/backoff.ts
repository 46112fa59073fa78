// Exponential backoff with jitter, for anything that retries against the API server (watches,
// lists, leader election). Jitter spreads the retries of many replicas after an outage.

export interface BackoffOptions {
  /** First delay. @default 500 */
  readonly initialMs?: number;
  /** Largest delay, before jitter. @default 30000 */
  readonly maxMs?: number;
  /** Growth per failure. @default 2 */
  readonly factor?: number;
  /** Fraction of the delay taken off at random, 0..1: a delay d becomes one in [d·(1−jitter), d]. @default 0.5 */
  readonly jitter?: number;
}

/** The delay before retry number `attempt` (0-based); `random` returns a number in [0, 1). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const { initialMs = 500, maxMs = 30_000, factor = 2, jitter = 0.5 } = options;
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`backoff jitter must be within 0..1, got ${jitter}`);
  const base = Math.min(maxMs, initialMs * factor ** Math.max(0, attempt));
  return base * (1 - jitter * random());
}

/** Counts consecutive failures; `next()` gives the delay before the next try, `reset()` after a success. */
export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions = {}, private readonly random: () => number = Math.random) {}

  next(): number {
    return backoffDelay(this.attempt++, this.options, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }
}
