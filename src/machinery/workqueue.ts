import { DelayHeap } from './delay-heap.ts';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.ts';

/** Options of a WorkQueue. */
export interface WorkQueueOptions<T> {
  /** Retry delays for `addRateLimited`; client-go's default controller limiter when absent. */
  rateLimiter?: RateLimiter<T>;
  /** Clock in ms, replaceable in tests. */
  now?: () => number;
}

/**
 * A rate-limited, delaying, deduplicating work queue with client-go's semantics:
 * - an item is queued at most once (the dirty set), however often it is added;
 * - an item being processed is never handed to a second worker; if it is added meanwhile it is
 *   marked dirty and queued again when the first worker calls `done` (the processing set);
 * - `addAfter` holds an item until its time (keeping the earlier time when added twice);
 * - `addRateLimited` delays by the rate limiter, `forget` clears its failure count;
 * - after `shutDown`, adds are ignored, `get` still hands out what is queued, then resolves
 *   `undefined` to every waiting worker.
 */
export class WorkQueue<T = string> {
  private readonly queue: T[] = [];
  private head = 0;
  private readonly dirty = new Set<T>();
  private readonly processing = new Set<T>();
  private readonly waiting = new DelayHeap<T>();
  private readonly getters: ((item: T | undefined) => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private readonly rateLimiter: RateLimiter<T>;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private shuttingDown = false;

  constructor(opts: WorkQueueOptions<T> = {}) {
    this.rateLimiter = opts.rateLimiter ?? defaultControllerRateLimiter<T>();
    this.now = opts.now ?? Date.now;
  }

  /** Queues `item` unless it is already queued; if it is being processed it is queued after `done`. */
  add(item: T): void {
    if (this.shuttingDown || this.dirty.has(item)) return;
    this.dirty.add(item);
    if (this.processing.has(item)) return;
    const getter = this.getters.shift();
    if (getter) return this.handOut(item, getter);
    this.queue.push(item);
  }

  /** Queues `item` after `delayMs` (at once when <= 0). */
  addAfter(item: T, delayMs: number): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) return this.add(item);
    this.waiting.push(item, this.now() + delayMs);
    this.schedule();
  }

  /** Queues `item` after the rate limiter's delay for it (one more failure counted). */
  addRateLimited(item: T): void {
    this.addAfter(item, this.rateLimiter.when(item));
  }

  /** Clears the item's failure count: its next `addRateLimited` starts from the base delay. */
  forget(item: T): void {
    this.rateLimiter.forget(item);
  }

  /** How often the item was rate-limited since it was last forgotten. */
  numRequeues(item: T): number {
    return this.rateLimiter.numRequeues(item);
  }

  /**
   * The next item to process, waiting until there is one; `undefined` once the queue is shut down
   * and empty. The caller must call `done(item)` when finished with it.
   */
  get(): Promise<T | undefined> {
    if (this.head < this.queue.length) {
      const item = this.queue[this.head++];
      this.compact();
      return Promise.resolve(this.take(item));
    }
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /** Marks `item` finished; if it was added while processed, it is queued again now. */
  done(item: T): void {
    this.processing.delete(item);
    if (this.dirty.has(item)) {
      const getter = this.getters.shift();
      if (getter) this.handOut(item, getter);
      else this.queue.push(item);
    }
    if (this.processing.size === 0) for (const resolve of this.drainWaiters.splice(0)) resolve();
  }

  /** Items queued and ready (not counting delayed or in-process ones), as client-go's Len. */
  len(): number {
    return this.queue.length - this.head;
  }

  /** Stops accepting items, drops delayed ones, and wakes every waiting worker with `undefined`. */
  shutDown(): void {
    this.shuttingDown = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
    for (const resolve of this.getters.splice(0)) resolve(undefined);
  }

  /** Shuts down, then resolves once every item being processed is `done`. */
  async shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  /** Whether `shutDown` was called. */
  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private take(item: T): T {
    this.dirty.delete(item);
    this.processing.add(item);
    return item;
  }

  private handOut(item: T, getter: (item: T | undefined) => void): void {
    getter(this.take(item));
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** One timer for the earliest delayed item; it moves every due item into the queue. */
  private schedule(): void {
    const next = this.waiting.peekTime();
    if (next === undefined || next >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - this.now()));
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const item of this.waiting.popDue(this.now())) this.add(item);
    this.schedule();
  }
}
