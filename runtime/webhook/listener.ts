// LISTEN on a dedicated pooled connection that comes back by itself: when the connection is lost
// (database restart, network), it reconnects with backoff and calls `connected` again, so the
// caller can catch up on what it may have missed (notifications are hints; we also poll).
import type pg from "pg";
import type { Logger } from "../observability/logger.js";
import { sleep } from "./coalesce.js";

export interface Listener {
  close(): Promise<void>;
}

export function listen(
  db: pg.Pool,
  channels: readonly string[],
  handlers: { notify(channel: string, payload: string | undefined): void; connected(): void },
  logger: Logger,
): Listener {
  const closing = new AbortController();
  const isClosing = () => closing.signal.aborted;
  let lost: (() => void) | undefined;

  async function session(): Promise<void> {
    const c = await db.connect();
    const gone = new Promise<void>((resolve) => {
      lost = resolve;
      if (closing.signal.aborted) resolve();
      else closing.signal.addEventListener("abort", () => { resolve(); }, { once: true });
    });
    const onError = () => lost?.();
    c.on("error", onError);
    c.on("end", () => lost?.());
    c.on("notification", (m) => { handlers.notify(m.channel, m.payload); });
    try {
      for (const channel of channels) await c.query(`LISTEN "${channel.replace(/"/g, '""')}"`);
      handlers.connected();
      await gone;
    } finally {
      c.removeListener("error", onError);
      c.on("error", () => undefined); // a late error of a released, broken client must not crash us
      c.release(true); // never hand a LISTENing connection to anyone else
    }
  }

  const done = (async () => {
    let delay = 100;
    while (!isClosing()) {
      const startedAt = Date.now();
      try {
        await session();
      } catch (err) {
        if (!isClosing()) logger.warn({ err: (err as Error).message }, "LISTEN connection failed; retrying");
      }
      if (isClosing()) break;
      delay = Date.now() - startedAt > 10_000 ? 100 : Math.min(delay * 2, 5000);
      await sleep(delay, closing.signal);
    }
  })();

  return {
    async close() {
      closing.abort();
      await done;
    },
  };
}
