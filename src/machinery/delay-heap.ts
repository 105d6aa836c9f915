/**
 * Items waiting for a time, earliest first, each at most once (client-go's delaying queue keeps the
 * earlier of two ready times for the same item). A binary heap with lazy removal: entries whose
 * time no longer matches the item's current time are skipped when they surface.
 */
export class DelayHeap<T> {
  private readonly heap: { at: number; item: T }[] = [];
  private readonly readyAt = new Map<T, number>();

  get size(): number {
    return this.readyAt.size;
  }

  /** Schedules `item` at `at` (ms since epoch) unless it is already scheduled earlier. */
  push(item: T, at: number): void {
    const existing = this.readyAt.get(item);
    if (existing !== undefined && existing <= at) return;
    this.readyAt.set(item, at);
    this.heap.push({ at, item });
    this.up(this.heap.length - 1);
  }

  /** The earliest scheduled time, or undefined when empty. */
  peekTime(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns every item due at or before `now`, earliest first. */
  popDue(now: number): T[] {
    const due: T[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) return due;
      this.pop();
      this.readyAt.delete(top.item);
      due.push(top.item);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.heap.length = 0;
    this.readyAt.clear();
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.readyAt.get(this.heap[0].item) !== this.heap[0].at) this.pop();
  }

  private pop(): void {
    const last = this.heap.pop()!;
    if (this.heap.length === 0) return;
    this.heap[0] = last;
    this.down(0);
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.heap[parent].at <= this.heap[i].at) return;
      [this.heap[parent], this.heap[i]] = [this.heap[i], this.heap[parent]];
      i = parent;
    }
  }

  private down(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < this.heap.length && this.heap[l].at < this.heap[min].at) min = l;
      if (r < this.heap.length && this.heap[r].at < this.heap[min].at) min = r;
      if (min === i) return;
      [this.heap[min], this.heap[i]] = [this.heap[i], this.heap[min]];
      i = min;
    }
  }
}
