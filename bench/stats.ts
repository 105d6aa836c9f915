/**
 * Small statistics helpers for the benchmarks: nearest-rank percentiles and medians over samples
 * in milliseconds, and a fixed summary shape every bench reports.
 */

/** p50/p99/max and count of a latency sample, in milliseconds (rounded to 0.01 ms). */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * The nearest-rank percentile `p` (0 < p <= 100) of `samples`: the smallest sample such that at
 * least p% of the samples are <= it. Returns NaN for an empty sample. Does not mutate `samples`.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return percentileOfSorted(sorted, p);
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** The median (mean of the two middle samples for an even count); NaN for an empty sample. */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds to two decimals, the precision the reports print. */
export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Summarizes a latency sample (sorts a copy once). An empty sample gives count 0 and NaNs. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round2(percentileOfSorted(sorted, 50)),
    p99: round2(percentileOfSorted(sorted, 99)),
    max: round2(sorted[sorted.length - 1]),
  };
}
