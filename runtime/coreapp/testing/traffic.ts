// Steady traffic for cluster tests: every `everyMs` one message to each of a rotating group of
// recipients, queued as the WebApp accepts them, remembering per recipient the order of accept.
import type { TestInstance } from "./instance.js";

export class Traffic {
  readonly expected = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private round = 0;
  failures = 0;

  constructor(private readonly t: TestInstance, readonly recipients: readonly string[], private readonly perTick = 10, private readonly everyMs = 50) {
    for (const r of recipients) this.expected.set(r, []);
  }

  get total(): number {
    let n = 0;
    for (const ids of this.expected.values()) n += ids.length;
    return n;
  }

  start(): void {
    this.timer = setInterval(() => {
      // One batch at a time: a recipient's next message is accepted after its previous one.
      this.running = this.running.then(() => this.tick());
    }, this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async tick(): Promise<void> {
    const batch = Array.from({ length: this.perTick }, (_, i) => this.recipients[(this.round * this.perTick + i) % this.recipients.length] ?? "");
    this.round++;
    try {
      const ids = await this.t.queue(batch.map((to) => ({ to, body: { type: "text", text: { body: `round ${this.round}` } } })));
      ids.forEach((id, i) => this.expected.get(batch[i] ?? "")?.push(id));
    } catch {
      this.failures++;
    }
  }
}

/** wa_ids spread over every bucket. */
export function spreadRecipients(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `4917100${String(i * 7919).padStart(5, "0")}`);
}
