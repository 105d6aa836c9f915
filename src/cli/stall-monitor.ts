/**
 * Reports when a thread's event loop stops turning: a stalled API server thread delays every
 * request (and the Lease renewals of components, which then lose leadership), a stalled component
 * thread misses its own renewals. It logs loop stalls and long garbage collections, so a scale
 * run's log says which it was.
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

const TICK_MS = 250;

const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * Logs `event loop stalled` when a 250 ms timer fires more than `thresholdMs` late, and
 * `long garbage collection` for a GC pause of at least `thresholdMs / 2`. Returns a stop function.
 */
export function monitorStalls(log: (msg: string, extra?: Record<string, unknown>) => void, thresholdMs = 1000): () => void {
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - last - TICK_MS;
    last = now;
    if (late >= thresholdMs) log('event loop stalled', { ms: Math.round(late), heapUsedMiB: Math.round(getHeapStatistics().used_heap_size / 2 ** 20) });
  }, TICK_MS);
  timer.unref();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.duration < thresholdMs / 2) continue;
      const kind = ((entry as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
      log('long garbage collection', { ms: Math.round(entry.duration), kind: kind === undefined ? 'unknown' : (GC_KINDS[kind] ?? String(kind)) });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => {
    clearInterval(timer);
    observer.disconnect();
  };
}
