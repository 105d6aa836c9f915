/**
 * Which pods a scale-down deletes first: Kubernetes' controller.ActivePodsWithRanks ordering, with
 * the rank being the number of related active pods on the same node (ReplicaSet
 * getPodsRankedByRelatedPodsOnSameNode) and the LogarithmicScaleDown comparison of timestamps.
 */
import { isPodActive, isPodReady, podReadyCondition } from './pod-status.ts';
import type { Pod } from './workload-types.ts';

/** PodPending < PodUnknown < PodRunning; other phases sort with Pending (Go's zero value). */
const PHASE_ORDINAL: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
/** The annotation that lets users say which pods are cheaper to delete. */
export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

interface Ranked {
  pod: Pod;
  rank: number;
}

/**
 * Returns the `count` pods to delete first, in deletion order. `related` are the pods of the
 * controller and its siblings (same owner), used to prefer pods doubled up on a node.
 */
export function podsToDelete(pods: Pod[], related: Pod[], count: number, now: number = Date.now()): Pod[] {
  if (count >= pods.length) return [...pods];
  const onNode = new Map<string, number>();
  for (const pod of related) {
    if (isPodActive(pod)) onNode.set(pod.spec?.nodeName ?? '', (onNode.get(pod.spec?.nodeName ?? '') ?? 0) + 1);
  }
  const ranked: Ranked[] = pods.map((pod) => ({ pod, rank: onNode.get(pod.spec?.nodeName ?? '') ?? 0 }));
  ranked.sort((a, b) => (preferredForDeletion(a, b, now) ? -1 : preferredForDeletion(b, a, now) ? 1 : 0));
  return ranked.slice(0, count).map((r) => r.pod);
}

/** ActivePodsWithRanks.Less: whether `a` should be deleted before `b`. */
export function preferredForDeletion(a: Ranked, b: Ranked, now: number): boolean {
  const na = a.pod.spec?.nodeName ?? '';
  const nb = b.pod.spec?.nodeName ?? '';
  // 1. Unassigned < assigned.
  if (na !== nb && (na === '' || nb === '')) return na === '';
  // 2. Pending < Unknown < Running.
  const pa = PHASE_ORDINAL[a.pod.status?.phase ?? ''] ?? 0;
  const pb = PHASE_ORDINAL[b.pod.status?.phase ?? ''] ?? 0;
  if (pa !== pb) return pa < pb;
  // 3. Not ready < ready.
  if (isPodReady(a.pod) !== isPodReady(b.pod)) return !isPodReady(a.pod);
  // 4. Lower pod-deletion-cost < higher.
  const ca = deletionCost(a.pod);
  const cb = deletionCost(b.pod);
  if (ca !== cb) return ca < cb;
  // 5. Doubled up (more related pods on its node) < not doubled up.
  if (a.rank !== b.rank) return a.rank > b.rank;
  // 6. Ready for a shorter time < longer (compared on a log2 scale).
  const ra = readyTime(a.pod);
  const rb = readyTime(b.pod);
  if (isPodReady(a.pod) && isPodReady(b.pod) && ra !== rb) return newerFirst(ra, rb, a.pod, b.pod, now);
  // 7. More container restarts < fewer.
  if (maxRestarts(a.pod) !== maxRestarts(b.pod)) return maxRestarts(a.pod) > maxRestarts(b.pod);
  // 8. Newer < older (log2 scale), empty creation time first.
  const ta = timeOf(a.pod.metadata.creationTimestamp);
  const tb = timeOf(b.pod.metadata.creationTimestamp);
  if (ta !== tb) return newerFirst(ta, tb, a.pod, b.pod, now);
  return false;
}

/** afterOrZero, or with both times set the logarithmic rank, ties broken by UID. */
function newerFirst(ta: number, tb: number, a: Pod, b: Pod, now: number): boolean {
  if (ta === 0 || tb === 0) return ta === 0;
  const diff = logRank(now - ta) - logRank(now - tb);
  if (diff === 0) return (a.metadata.uid ?? '') < (b.metadata.uid ?? '');
  return diff < 0;
}

/** floor(log2(duration in ns)), -1 for a non-positive duration (logarithmicRankDiff). */
function logRank(ms: number): number {
  return ms > 0 ? Math.floor(Math.log2(ms * 1e6)) : -1;
}

function readyTime(pod: Pod): number {
  const c = podReadyCondition(pod);
  return c?.status === 'True' ? timeOf(c.lastTransitionTime) : 0;
}

function timeOf(ts: string | undefined): number {
  return ts ? Date.parse(ts) : 0;
}

function maxRestarts(pod: Pod): number {
  return Math.max(0, ...(pod.status?.containerStatuses ?? []).map((c) => c.restartCount ?? 0));
}

/** The pod-deletion-cost annotation as an int32; absent or invalid counts as 0. */
function deletionCost(pod: Pod): number {
  const raw = pod.metadata.annotations?.[POD_DELETION_COST];
  if (raw === undefined || !/^[-+]?\d+$/.test(raw)) return 0;
  const n = Number(raw);
  return n >= -2147483648 && n <= 2147483647 ? n : 0;
}
