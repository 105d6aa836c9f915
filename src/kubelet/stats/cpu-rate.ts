/**
 * usageNanoCores needs two samples of the cumulative CPU counter: the kubelet keeps the previous
 * sample per container (and one for the node) and reports the average rate between the two
 * (cri_stats_provider's getAndUpdateContainerUsageNanoCores). This is that cache.
 */

interface Sample {
  timeNs: number;
  usageNs: number;
  rate?: number;
}

/** Samples closer together than this keep the last rate: a rate over a few ms is mostly noise. */
const MIN_WINDOW_NS = 1e9;

/**
 * Average CPU rate per key between the latest two samples far enough apart. `observe` returns the
 * rate in nanocores, or undefined until a second sample exists. A counter that went backwards
 * (the container restarted under the same key) starts over.
 */
export class CpuRateTracker {
  private readonly samples = new Map<string, Sample>();

  observe(key: string, timeNs: number, usageNs: number): number | undefined {
    const prev = this.samples.get(key);
    if (!prev || usageNs < prev.usageNs || timeNs < prev.timeNs) {
      this.samples.set(key, { timeNs, usageNs });
      return undefined;
    }
    const dt = timeNs - prev.timeNs;
    if (dt < MIN_WINDOW_NS) return prev.rate;
    const rate = Math.round(((usageNs - prev.usageNs) / dt) * 1e9);
    this.samples.set(key, { timeNs, usageNs, rate });
    return rate;
  }

  /** Forgets every key not in `live` (removed containers), so the cache does not grow forever. */
  retain(live: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!live.has(key)) this.samples.delete(key);
  }

  get size(): number {
    return this.samples.size;
  }
}
