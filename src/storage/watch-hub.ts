/**
 * In-process watch fan-out shared by the memory and SQLite backends.
 *
 * Each subscription owns an ordered queue: replayed history first, then live commits. Delivery is
 * asynchronous (a microtask) so a callback that writes to the store cannot reorder events for other
 * watchers, and so `watch()` returns its handle before the first event arrives. A subscription
 * remembers the highest revision it has queued; a live commit at or below it (already covered by the
 * replay) is skipped, which is what makes "replay, then live" free of gaps and duplicates.
 */
import type { WatchCallbacks, WatchEvent, WatchHandle } from './interface.ts';

/** Replays are handed over in slices of this many events so one huge replay cannot pin a callback. */
const REPLAY_CHUNK = 1000;

class Subscription implements WatchHandle {
  private readonly queue: WatchEvent[][] = [];
  private scheduled = false;
  private failure: Error | undefined;
  cancelled = false;

  constructor(
    readonly prefix: string,
    /** Highest revision already queued (or covered by the replay). */
    public last: number,
    private readonly callbacks: WatchCallbacks,
    private readonly onCancel: (sub: Subscription) => void,
  ) {}

  push(events: WatchEvent[]): void {
    this.queue.push(events);
    this.schedule();
  }

  fail(err: Error): void {
    this.failure = err;
    this.schedule();
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.queue.length = 0;
    this.onCancel(this);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    while (!this.cancelled && this.queue.length > 0) {
      const batch = this.queue.shift()!;
      try {
        this.callbacks.onEvents(batch);
      } catch (err) {
        // A throwing consumer ends its own watch (reported through onError) instead of crashing the process.
        this.failure = err instanceof Error ? err : new Error(String(err));
      }
      if (this.failure) break;
    }
    if (this.failure && !this.cancelled) {
      const err = this.failure;
      this.cancel();
      this.callbacks.onError?.(err);
    }
  }
}

/** Fans committed events out to prefix watchers, in revision order per watcher. */
export class WatchHub {
  private readonly subs = new Set<Subscription>();

  /** Number of live subscriptions (for tests and metrics). */
  get size(): number {
    return this.subs.size;
  }

  /**
   * Registers a watcher on `prefix`. `replay` (already filtered to the prefix, in revision order)
   * is delivered first; afterwards only published events with revision > `coveredRevision` are
   * delivered. The caller must build `replay` and call this synchronously, with no commit between.
   */
  subscribe(prefix: string, coveredRevision: number, replay: WatchEvent[], callbacks: WatchCallbacks): WatchHandle {
    const sub = new Subscription(prefix, coveredRevision, callbacks, (s) => this.subs.delete(s));
    this.subs.add(sub);
    for (let i = 0; i < replay.length; i += REPLAY_CHUNK) sub.push(replay.slice(i, i + REPLAY_CHUNK));
    return sub;
  }

  /** A watch that fails at once (asynchronously) with `err`, e.g. CompactedError. */
  failed(callbacks: WatchCallbacks, err: Error): WatchHandle {
    const sub = new Subscription('', 0, callbacks, () => {});
    sub.fail(err);
    return sub;
  }

  /** Delivers the events of one committed transaction (in revision order) to matching watchers. */
  publish(events: readonly WatchEvent[]): void {
    if (events.length === 0) return;
    for (const sub of this.subs) {
      let matched: WatchEvent[] | undefined;
      for (const ev of events) {
        if (ev.kv.modRevision <= sub.last || !ev.kv.key.startsWith(sub.prefix)) continue;
        (matched ??= []).push(ev);
      }
      if (matched) {
        sub.last = matched[matched.length - 1]!.kv.modRevision;
        sub.push(matched);
      }
    }
  }

  /** Cancels every subscription (store closing); no further events are delivered. */
  closeAll(): void {
    for (const sub of [...this.subs]) sub.cancel();
  }
}
