// When a failed webhook delivery is tried again, and when it is given up. Exponential backoff
// with "equal jitter": the n-th failure waits a uniformly random time in [d/2, d], where
// d = min(cap, base * 2^(n-1)). Below the cap, delays therefore never shrink from one failure to
// the next (the lowest after failure n+1 is the highest after failure n); none exceeds the cap,
// and the jitter keeps a crowd of failed deliveries from retrying in lock-step.

export interface RetryPolicy {
  /** The settings' callback_backoff_delay_ms. */
  readonly baseMs: number;
  /** The settings' max_callback_backoff_delay_ms. */
  readonly capMs: number;
  /** Attempts after which a delivery is dead; 0 means no limit. */
  readonly maxAttempts: number;
  /** Age of the event after which a delivery is dead. */
  readonly maxAgeMs: number;
}

/** The settings' defaults (the on-prem client's). */
export const defaultBackoff = { baseMs: 3000, capMs: 900_000 } as const;

/** The upper bound of the delay after the `attempts`-th failed attempt (attempts >= 1). */
export function backoffCeilingMs(attempts: number, baseMs: number, capMs: number): number {
  const exponent = Math.min(Math.max(attempts, 1) - 1, 40); // 2^40 * base is past any cap
  return Math.min(capMs, baseMs * 2 ** exponent);
}

export function retryDelayMs(attempts: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = backoffCeilingMs(attempts, baseMs, capMs);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export type AfterFailure = { readonly dead: true } | { readonly dead: false; readonly delayMs: number };

/** What happens to a delivery whose `attempts`-th attempt failed, for an event `ageMs` old. */
export function afterFailure(policy: RetryPolicy, attempts: number, ageMs: number, random: () => number = Math.random): AfterFailure {
  if (policy.maxAttempts > 0 && attempts >= policy.maxAttempts) return { dead: true };
  if (ageMs >= policy.maxAgeMs) return { dead: true };
  return { dead: false, delayMs: retryDelayMs(attempts, policy.baseMs, policy.capMs, random) };
}
