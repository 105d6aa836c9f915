/** Options of a TimerWheel. */
export interface TimerWheelOptions {
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
  /** Never arm a real timer: tests call `runDue()` themselves. */
  manual?: boolean;
  /** Tasks due within this many ms of each other run in the same turn (batching), default 20 ms. */
  resolutionMs?: number;
}

interface Task {
  at: number;
  seq: number;
  fn: () => void;
}

/**
 * Keyed one-shot tasks on one timer for the whole process, so that thousands of simulated nodes
 * and pods do not each hold a Node.js timer. Scheduling a key again replaces its task; tasks run
 * earliest first, and every task due by the time the timer fires runs in that turn. A binary heap
 * with lazy removal keeps schedule and cancel O(log n).
 */
export class TimerWheel {
  private readonly tasks = new Map<string, Task>();
  private readonly heap: { at: number; key: string; seq: number }[] = [];
  private readonly now: () => number;
  private readonly manual: boolean;
  private readonly resolutionMs: number;
  private seq = 0;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private stopped = false;

  constructor(opts: TimerWheelOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.manual = opts.manual ?? false;
    this.resolutionMs = opts.resolutionMs ?? 20;
  }

  /** Runs `fn` at time `at` (ms since epoch), replacing any task scheduled under `key`. */
  schedule(key: string, at: number, fn: () => void): void {
    if (this.stopped) return;
    const task = { at, seq: ++this.seq, fn };
    this.tasks.set(key, task);
    this.push({ at, key, seq: task.seq });
    this.arm();
  }

  /** Whether a task is scheduled under `key`. */
  has(key: string): boolean {
    return this.tasks.has(key);
  }

  /** Drops the task under `key`, if any. */
  cancel(key: string): void {
    this.tasks.delete(key);
  }

  /** How many tasks are scheduled. */
  get size(): number {
    return this.tasks.size;
  }

  /** Runs every task due now, earliest first; returns how many ran. A throwing task does not stop the others. */
  runDue(): number {
    const now = this.now();
    let ran = 0;
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > now) break;
      this.pop();
      const task = this.tasks.get(top.key);
      if (!task || task.seq !== top.seq) continue;
      this.tasks.delete(top.key);
      ran++;
      try {
        task.fn();
      } catch {
        // Tasks report their own failures; one bad task must not starve the rest.
      }
    }
    return ran;
  }

  /** Cancels everything and disarms the timer. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.tasks.clear();
    this.heap.length = 0;
  }

  private arm(): void {
    if (this.manual || this.stopped) return;
    this.dropStale();
    const next = this.heap[0]?.at;
    if (next === undefined || next + this.resolutionMs >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.runDue();
      this.arm();
    }, Math.max(0, next - this.now()));
  }

  private dropStale(): void {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.tasks.get(top.key)?.seq === top.seq) return;
      this.pop();
    }
  }

  private push(entry: { at: number; key: string; seq: number }): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let min = i;
      if (l < heap.length && heap[l].at < heap[min].at) min = l;
      if (r < heap.length && heap[r].at < heap[min].at) min = r;
      if (min === i) return;
      [heap[min], heap[i]] = [heap[i], heap[min]];
      i = min;
    }
  }
}

/**
 * Bounds how many requests run at once (the simulated kubelets share one connection and one
 * server; thousands of writes in one turn would only queue up in the server).
 */
export class ConcurrencyLimiter {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly max: number) {}

  /** Runs `fn` once a slot is free; resolves or rejects with its result. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}
