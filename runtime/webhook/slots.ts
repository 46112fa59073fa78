// Concurrent claim-and-deliver loops ("slots") of one kind of work: the endpoint runners' and
// the fast path's. One slot runs while there is little to do; a slot that claims a full batch
// starts another, up to a limit. A wake while a slot is busy is remembered, so that work which
// arrives just as the last slot finds nothing is never left waiting.
export class Slots {
  private count = 0;
  private rewake = false;
  private stopping = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    /** One slot's loop: claims and delivers until it finds nothing (see takeWake). */
    private readonly loop: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  get size(): number {
    return this.count;
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** There may be work: start a slot, or have a busy one look again. */
  wake(): void {
    if (this.stopping) return;
    if (this.count > 0) this.rewake = true;
    else this.start();
  }

  /** One more slot (its caller claimed a full batch); the caller checks the limit. */
  start(): void {
    this.count++;
    const slot: Promise<void> = this.loop()
      .catch(this.onError)
      .finally(() => {
        this.count--;
        this.running.delete(slot);
        if (this.rewake && this.count === 0 && !this.stopping) {
          this.rewake = false;
          this.start();
        }
      });
    this.running.add(slot);
  }

  /** For a loop that found nothing: whether a wake came meanwhile (then look again), consuming it. */
  takeWake(): boolean {
    const woken = this.rewake;
    this.rewake = false;
    return woken;
  }

  /** No new slot; waits for the running ones to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.running.size) await Promise.all(this.running);
  }
}
