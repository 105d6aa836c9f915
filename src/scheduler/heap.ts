/**
 * A binary heap with keyed access (the scheduler queue's heap.Heap): O(log n) push, pop, update and
 * delete by key.
 */

/** A min-heap by `less`, addressable by `key`. */
export class KeyedHeap<T> {
  private items: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(
    private readonly key: (item: T) => string,
    private readonly less: (a: T, b: T) => boolean,
  ) {}

  /** Number of items. */
  get size(): number {
    return this.items.length;
  }

  /** Whether an item with this key is present. */
  has(key: string): boolean {
    return this.index.has(key);
  }

  /** The item with this key. */
  get(key: string): T | undefined {
    const i = this.index.get(key);
    return i === undefined ? undefined : this.items[i];
  }

  /** The smallest item without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an item, or replaces the item with the same key and restores the order. */
  push(item: T): void {
    const k = this.key(item);
    const i = this.index.get(k);
    if (i !== undefined) {
      this.items[i] = item;
      this.fix(i);
      return;
    }
    this.items.push(item);
    this.index.set(k, this.items.length - 1);
    this.up(this.items.length - 1);
  }

  /** Removes and returns the smallest item. */
  pop(): T | undefined {
    if (this.items.length === 0) return undefined;
    const top = this.items[0];
    this.removeAt(0);
    return top;
  }

  /** Removes the item with this key; returns it. */
  delete(key: string): T | undefined {
    const i = this.index.get(key);
    if (i === undefined) return undefined;
    const item = this.items[i];
    this.removeAt(i);
    return item;
  }

  /** All items, in no particular order. */
  list(): T[] {
    return this.items.slice();
  }

  private removeAt(i: number): void {
    const last = this.items.pop()!;
    this.index.delete(this.key(i === this.items.length ? last : this.items[i]));
    if (i === this.items.length) return;
    this.items[i] = last;
    this.index.set(this.key(last), i);
    this.fix(i);
  }

  private fix(i: number): void {
    if (!this.up(i)) this.down(i);
  }

  private up(i: number): boolean {
    const start = i;
    const item = this.items[i];
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(item, this.items[parent])) break;
      this.place(this.items[parent], i);
      i = parent;
    }
    this.place(item, i);
    return i !== start;
  }

  private down(i: number): void {
    const n = this.items.length;
    const item = this.items[i];
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && this.less(this.items[r], this.items[l]) ? r : l;
      if (!this.less(this.items[child], item)) break;
      this.place(this.items[child], i);
      i = child;
    }
    this.place(item, i);
  }

  private place(item: T, i: number): void {
    this.items[i] = item;
    this.index.set(this.key(item), i);
  }
}
