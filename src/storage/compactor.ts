/**
 * Periodic compaction, as the Kubernetes apiserver runs it (every 5 minutes by default,
 * --etcd-compaction-interval) and kine does it for SQL (keeping the newest 1000 revisions).
 */
import type { Storage } from './interface.ts';

/** Options for {@link startCompactor}. */
export interface CompactorOptions {
  /** Time between compactions, in milliseconds (Kubernetes: 300000). */
  intervalMs: number;
  /** How many recent revisions stay readable/watchable (default 1000, like kine). */
  keepRevisions?: number;
  /** Called when a compaction fails; the compactor keeps going (default: ignore). */
  onError?(err: unknown): void;
}

/** A running compactor. */
export interface Compactor {
  /** Stops future compactions (one already running finishes on its own). */
  stop(): void;
}

/** Compacts `storage` once to `current - keepRevisions` if that moves the compact revision forward. */
export async function compactOnce(storage: Storage, keepRevisions = 1000): Promise<number | undefined> {
  const target = (await storage.currentRevision()) - keepRevisions;
  if (target <= 0 || target <= (await storage.compactRevision())) return undefined;
  await storage.compact(target);
  return target;
}

/**
 * Every `intervalMs`, compacts `storage` to (current revision - keepRevisions). Runs never overlap;
 * the timer does not keep the process alive.
 */
export function startCompactor(storage: Storage, opts: CompactorOptions): Compactor {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(run, opts.intervalMs);
    timer.unref();
  };
  const run = (): void => {
    compactOnce(storage, opts.keepRevisions)
      .catch((err: unknown) => opts.onError?.(err))
      .finally(schedule);
  };
  schedule();
  return {
    stop(): void {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
