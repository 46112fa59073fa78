// Work due at a time (receipts after their delay): a binary min-heap with one timer armed for
// the earliest entry, so thousands of pending receipts cost one timer. Entries due at the same
// time run in the order they were added.
interface Entry<T> {
  readonly due: number;
  readonly n: number;
  readonly item: T;
}

export class DueQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private added = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  constructor(private readonly run: (item: T) => void) {}

  get size(): number {
    return this.heap.length;
  }

  add(due: number, item: T): void {
    this.heap.push({ due, n: this.added++, item });
    this.up(this.heap.length - 1);
    this.arm();
  }

  clear(): void {
    this.heap.length = 0;
    this.disarm();
  }

  private arm(): void {
    const first = this.heap[0];
    if (!first || first.due >= this.armedFor) return;
    this.disarm();
    this.armedFor = first.due;
    this.timer = setTimeout(() => { this.fire(); }, Math.max(0, first.due - Date.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    for (let first = this.heap[0]; first && first.due <= now; first = this.heap[0]) {
      this.removeFirst();
      this.run(first.item);
    }
    this.arm();
  }

  private removeFirst(): void {
    const last = this.heap.pop();
    if (last && this.heap.length) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    for (let parent = (i - 1) >> 1; i > 0 && before(h[i], h[parent]); i = parent, parent = (i - 1) >> 1) this.swap(i, parent);
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (before(h[l], h[m])) m = l;
      if (before(h[r], h[m])) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const h = this.heap;
    const x = h[a];
    const y = h[b];
    if (x && y) {
      h[a] = y;
      h[b] = x;
    }
  }
}

/** Whether a runs before b; a missing entry never does. */
function before<T>(a: Entry<T> | undefined, b: Entry<T> | undefined): boolean {
  if (!a || !b) return false;
  return a.due < b.due || (a.due === b.due && a.n < b.n);
}
