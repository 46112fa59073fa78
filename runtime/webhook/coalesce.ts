// Runs an async job at most once at a time; triggers that arrive while it runs fold into one
// more run after it. Errors go to `onError`, never to the trigger's caller.
export interface Coalesced {
  trigger(): void;
  /** Resolves when no run is in progress or queued. */
  idle(): Promise<void>;
}

export function coalesced(job: () => Promise<void>, onError: (err: unknown) => void): Coalesced {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): Promise<void> => job().catch(onError).then(() => {
    if (!again) { running = undefined; return; }
    again = false;
    return run();
  });
  return {
    trigger() {
      if (running) again = true;
      else running = run();
    },
    async idle() {
      while (running) await running;
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) { resolve(); return; }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
