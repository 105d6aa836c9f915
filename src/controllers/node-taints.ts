/**
 * Taint and toleration helpers of the node lifecycle controller: the taint keys Kubernetes' node
 * controller manages (k8s.io/api/core/v1 well-known taints), toleration matching as
 * corev1 helper `ToleratesTaint` does it, and the minimum toleration time the taint eviction
 * controller waits before deleting a pod.
 */

/** core/v1 Taint as JSON. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' | string;
  timeAdded?: string;
}

/** core/v1 Toleration as JSON. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal' | string;
  value?: string;
  effect?: string;
  tolerationSeconds?: number;
}

/** The node is not ready (Ready=False). */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
/** The node controller cannot reach the node (Ready=Unknown). */
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
/** Taint keys the controller derives from node conditions and spec.unschedulable (TaintNodesByCondition). */
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** Every NoSchedule taint key the controller owns: it adds and removes exactly these. */
export const CONDITION_TAINT_KEYS: readonly string[] = [TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_MEMORY_PRESSURE, TAINT_DISK_PRESSURE, TAINT_PID_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_UNSCHEDULABLE];

/**
 * Whether a toleration tolerates a taint: an empty effect matches every effect, an empty key
 * (only valid with Exists) matches every key, `Exists` ignores the value and `Equal` (or no
 * operator) requires the same value.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
    case '':
      return (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

/**
 * For the taints, whether every one is tolerated and which tolerations did it (the first matching
 * toleration of each taint, as `GetMatchingTolerations` returns them).
 */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[] | undefined): { tolerated: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const match = (tolerations ?? []).find((t) => toleratesTaint(t, taint));
    if (!match) return { tolerated: false, used: [] };
    used.push(match);
  }
  return { tolerated: true, used };
}

/**
 * How long a pod may stay, in ms, given the tolerations that matched NoExecute taints: the
 * smallest tolerationSeconds (negative counts as 0), or -1 (forever) when a matching
 * toleration has no tolerationSeconds or none matched (`getMinTolerationTime`).
 */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return -1;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) return -1;
    min = Math.min(min, Math.max(0, t.tolerationSeconds) * 1000);
  }
  return min;
}

/** Whether the two taints name the same key and effect (how the controller identifies its taints). */
export function sameTaint(a: Taint, b: Taint): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * The node's taints with the controller-owned ones replaced by `wanted`: taints the controller
 * owns (`owned`) but does not want are dropped, wanted ones already present keep their
 * timeAdded, missing ones are appended. Other taints stay untouched and in order.
 */
export function reconcileTaints(current: readonly Taint[], wanted: readonly Taint[], owned: (t: Taint) => boolean): Taint[] {
  const kept = current.filter((t) => !owned(t) || wanted.some((w) => sameTaint(w, t)));
  for (const w of wanted) if (!kept.some((t) => sameTaint(t, w))) kept.push(w);
  return kept;
}
