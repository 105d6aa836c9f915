/**
 * Completion indexes of Indexed Jobs (pkg/controller/job/indexed_job_utils.go): the index a pod
 * carries, `status.completedIndexes` as a compressed interval list ("0-2,4"), and which indexes
 * still need a pod.
 */
import { JOB_COMPLETION_INDEX } from './job-types.ts';
import type { Pod } from './workload-types.ts';

/**
 * The pod's completion index: the annotation (or, failing that, the label)
 * batch.kubernetes.io/job-completion-index as a non-negative decimal integer, else undefined.
 */
export function podCompletionIndex(pod: Pod): number | undefined {
  const text = pod.metadata.annotations?.[JOB_COMPLETION_INDEX] ?? pod.metadata.labels?.[JOB_COMPLETION_INDEX];
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const index = Number(text);
  return Number.isSafeInteger(index) ? index : undefined;
}

/**
 * Parses a compressed index list ("1,3-5,7") into its indexes below `completions`; malformed
 * parts are skipped, as Kubernetes ignores what it cannot parse.
 */
export function parseIndexes(text: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? '').split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const first = Number(m[1]);
    const last = Math.min(m[2] === undefined ? first : Number(m[2]), completions - 1);
    for (let i = first; i <= last; i++) out.add(i);
  }
  return out;
}

/** Formats indexes as Kubernetes does: ascending, consecutive runs of two or more as "a-b", joined by commas. */
export function formatIndexes(indexes: Iterable<number>): string {
  const sorted = [...new Set(indexes)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** The lowest `count` indexes in [0, completions) that are neither completed nor held by an active pod. */
export function pendingIndexes(completions: number, completed: Set<number>, active: Set<number>, count: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) {
    if (!completed.has(i) && !active.has(i)) out.push(i);
  }
  return out;
}
