// Runs a refresh now and then every `intervalMs` until stopped; a failed refresh is reported and
// retried at the next tick. `ready` resolves after the first successful refresh (and rejects if
// the poller is stopped before one succeeded).

export interface Poller {
  readonly ready: Promise<void>;
  /** Runs a refresh at once (after any running one) and waits for it. */
  refreshNow(): Promise<void>;
  stop(): Promise<void>;
}

export function startPoller(refresh: () => Promise<void>, intervalMs: number, onError: (err: unknown) => void): Poller {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let markReady!: () => void;
  let abandon!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { markReady = resolve; abandon = reject; });
  ready.catch(() => undefined); // awaiting it is optional

  const run = (): Promise<void> => {
    running = running.then(() => refresh().then(markReady, onError));
    return running;
  };
  const tick = () => {
    void run().then(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    ready,
    refreshNow: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abandon(new Error("stopped before the first refresh"));
      await running;
    },
  };
}
