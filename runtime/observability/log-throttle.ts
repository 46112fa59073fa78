// At most one line per interval for an event that can recur per request (the database out of
// reach at 1000 requests/s would otherwise write 1000 warnings a second): the first occurrence is
// logged, later ones within the interval are counted, and the next line logged says how many.
export class LogThrottle {
  private lastLoggedAt = -Infinity;
  private skipped = 0;

  constructor(private readonly intervalMs: number, private readonly now: () => number = Date.now) {}

  /** undefined: do not log this occurrence; a number: log it, with how many were skipped since the last line. */
  admit(): number | undefined {
    const t = this.now();
    if (t - this.lastLoggedAt < this.intervalMs) {
      this.skipped += 1;
      return undefined;
    }
    const skipped = this.skipped;
    this.lastLoggedAt = t;
    this.skipped = 0;
    return skipped;
  }
}
