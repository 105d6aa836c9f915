/**
 * The arithmetic of the disruption controller (k8s.io/kubernetes/pkg/controller/disruption):
 * how many pods a PodDisruptionBudget expects, how many must stay healthy, which evictions are
 * still in flight, and the status it ends up with. Pure functions, no I/O.
 */
import type { Condition, Pod } from './workload-types.ts';
import { isPodReady } from './pod-status.ts';
import type { KubeObject } from '../api/object.ts';
import type { LabelSelectorSpec } from '../api/selectors/labels.ts';

/** How long an eviction may take before the PDB stops counting the pod as disrupted (DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** policy/v1 PodDisruptionBudgetStatus. */
export interface PdbStatus {
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  conditions?: Condition[];
}

/** policy/v1 PodDisruptionBudget, the fields used here. */
export interface PodDisruptionBudget extends KubeObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelectorSpec | null;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: Partial<PdbStatus>;
}

/**
 * An IntOrString scaled against `total` (intstr.GetScaledValueFromIntOrPercent): integers as they
 * are, `"N%"` as N percent of total rounded up or down. Anything else throws.
 */
export function scaledValue(value: number | string, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const match = /^(-?\d+)%$/.exec(value);
  if (!match) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** What `spec` asks of the budget: the pod count it expects and how many must stay healthy. */
export interface ExpectedCounts {
  expectedCount: number;
  desiredHealthy: number;
  /** Whether the controllers' scale was needed (maxUnavailable, or minAvailable as a percentage). */
  usesScale: boolean;
}

/**
 * expectedCount and desiredHealthy as getExpectedPodCount computes them: maxUnavailable (int or
 * percent of the controllers' scale, rounded up) leaves `scale - maxUnavailable` (at least 0);
 * an integer minAvailable counts the matching pods as expected; a percentage minAvailable is that
 * share of the controllers' scale, rounded up. `scale` is only called when needed.
 */
export function expectedCounts(pdb: PodDisruptionBudget, podCount: number, scale: () => number): ExpectedCounts {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const expectedCount = scale();
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), usesScale: true };
  }
  if (typeof spec.minAvailable === 'number') return { expectedCount: podCount, desiredHealthy: spec.minAvailable, usesScale: false };
  if (typeof spec.minAvailable === 'string') {
    const expectedCount = scale();
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount, true), usesScale: true };
  }
  return { expectedCount: 0, desiredHealthy: 0, usesScale: false };
}

/**
 * The disruptedPods entries still pending (buildDisruptedPodMap): kept for pods that still exist,
 * are not being deleted and were evicted less than DELETION_TIMEOUT ago. Also returns the pods
 * whose eviction timed out (the controller reports them) and when the earliest entry expires.
 */
export function pendingDisruptions(pods: Pod[], recorded: Record<string, string> | undefined, now: number): { disrupted: Record<string, string>; expired: Pod[]; recheckAt?: number } {
  const disrupted: Record<string, string> = {};
  const expired: Pod[] = [];
  let recheckAt: number | undefined;
  if (!recorded) return { disrupted, expired };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const since = recorded[pod.metadata.name!];
    if (since === undefined) continue;
    const deadline = Date.parse(since) + DELETION_TIMEOUT_MS;
    if (deadline < now) {
      expired.push(pod);
      continue;
    }
    disrupted[pod.metadata.name!] = since;
    if (recheckAt === undefined || deadline < recheckAt) recheckAt = deadline;
  }
  return { disrupted, expired, recheckAt };
}

/** Pods that count as healthy (countHealthyPods): Ready, not being deleted and not just evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>, now: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const since = disrupted[pod.metadata.name!];
    if (since !== undefined && Date.parse(since) + DELETION_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/**
 * Sets the DisruptionAllowed condition from disruptionsAllowed (UpdateDisruptionAllowedCondition):
 * True/SufficientPods when a disruption is allowed, False/InsufficientPods otherwise. The
 * lastTransitionTime only moves when the status flips (meta.SetStatusCondition).
 */
export function withDisruptionAllowedCondition(status: PdbStatus, now: string): PdbStatus {
  const allowed = status.disruptionsAllowed > 0;
  const next: Condition & { observedGeneration?: number } = {
    type: 'DisruptionAllowed',
    status: allowed ? 'True' : 'False',
    reason: allowed ? 'SufficientPods' : 'InsufficientPods',
    message: '',
    observedGeneration: status.observedGeneration,
    lastTransitionTime: now,
  };
  const others = (status.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
  const old = status.conditions?.find((c) => c.type === 'DisruptionAllowed');
  if (old && old.status === next.status && old.lastTransitionTime) next.lastTransitionTime = old.lastTransitionTime;
  return { ...status, conditions: [...others, next] };
}

/**
 * The status the controller writes (updatePdbStatus): disruptionsAllowed is
 * currentHealthy - desiredHealthy, but 0 when negative or when no pods are expected yet (so a
 * PDB whose pods are just appearing starts safe).
 */
export function computeStatus(counts: { currentHealthy: number; desiredHealthy: number; expectedCount: number }, disrupted: Record<string, string>, generation: number | undefined, previous: PdbStatus['conditions'], now: string): PdbStatus {
  let disruptionsAllowed = counts.currentHealthy - counts.desiredHealthy;
  if (counts.expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const status: PdbStatus = {
    currentHealthy: counts.currentHealthy,
    desiredHealthy: counts.desiredHealthy,
    expectedPods: counts.expectedCount,
    disruptionsAllowed,
    observedGeneration: generation,
    conditions: previous,
  };
  if (Object.keys(disrupted).length > 0) status.disruptedPods = disrupted;
  return withDisruptionAllowedCondition(status, now);
}
