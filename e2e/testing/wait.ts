// Waiting on a condition with a deadline: the only way integration tests wait (never a sleep).

export interface WaitOptions {
  /** What is awaited, for the failure message ("3 Ready pods of web"). */
  readonly what: string;
  /** @default 30_000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly intervalMs?: number;
}

/**
 * Polls `condition` until it returns a value other than undefined, null or false, and returns
 * that value. An error thrown by the condition counts as "not yet" (the API server may be
 * restarting); at the deadline the failure names `what` and the last error or value seen.
 */
export async function waitFor<T>(
  condition: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  { what, timeoutMs = 30_000, intervalMs = 100 }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== null && value !== false) return value;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      const seen = last instanceof Error ? `last error: ${last.message}` : `last value: ${String(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
