/**
 * Pod predicates the workload controllers share (k8s.io/kubernetes/pkg/api/v1/pod and
 * pkg/controller): active, ready, available.
 */
import type { Condition, Pod } from './workload-types.ts';

/** A pod counts towards its controller's replicas unless it finished or is being deleted (controller.IsPodActive). */
export function isPodActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata.deletionTimestamp;
}

/** The pod's Ready condition, if it has one. */
export function podReadyCondition(pod: Pod): Condition | undefined {
  return pod.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Whether the pod's Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: Pod): boolean {
  return podReadyCondition(pod)?.status === 'True';
}

/**
 * Whether the pod has been ready for at least `minReadySeconds` (podutil.IsPodAvailable): ready,
 * and either no minimum or the Ready condition's lastTransitionTime + minReadySeconds is before `now`.
 */
export function isPodAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = podReadyCondition(pod)?.lastTransitionTime;
  return since !== undefined && Date.parse(since) + minReadySeconds * 1000 < now;
}

/**
 * How long until a ready pod becomes available, in ms (0 when it already is or never will by
 * time alone); the controllers requeue after it, as Kubernetes enqueues after minReadySeconds.
 */
export function msUntilAvailable(pod: Pod, minReadySeconds: number, now: number): number {
  if (minReadySeconds === 0 || !isPodReady(pod)) return 0;
  const since = podReadyCondition(pod)?.lastTransitionTime;
  if (since === undefined) return 0;
  return Math.max(0, Date.parse(since) + minReadySeconds * 1000 - now + 1000);
}
