/**
 * Small helpers several plugins share: toleration matching (corev1 helper ToleratesTaint) and the
 * default score normalization (pluginhelper.DefaultNormalizeScore).
 */
import type { V1Taint, V1Toleration } from '@kubernetes/client-node';
import { MAX_NODE_SCORE } from './framework.ts';

/**
 * Whether a toleration tolerates a taint: an empty effect matches every effect, an empty key with
 * operator Exists matches every key, Equal (the default operator) also compares the value.
 */
export function toleratesTaint(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator) {
    case undefined:
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any toleration tolerates the taint. */
export function tolerationsTolerate(tolerations: readonly V1Toleration[] | undefined, taint: V1Taint): boolean {
  if (!tolerations) return false;
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i], taint)) return true;
  return false;
}

/**
 * The first taint with one of `effects` that no toleration tolerates (v1helper.FindMatchingUntoleratedTaint),
 * or undefined.
 */
export function findUntoleratedTaint(taints: readonly V1Taint[], tolerations: readonly V1Toleration[] | undefined, effects: (effect: string) => boolean): V1Taint | undefined {
  for (const taint of taints) {
    if (!effects(taint.effect)) continue;
    if (!tolerationsTolerate(tolerations, taint)) return taint;
  }
  return undefined;
}

/**
 * Scales scores so the highest becomes 100 (integer division as Go does); with `reverse`, 100 minus
 * that. All-zero scores become 100 when reversed and stay 0 otherwise.
 */
export function defaultNormalizeScore(scores: Float64Array, count: number, reverse: boolean): void {
  let max = 0;
  for (let i = 0; i < count; i++) if (scores[i] > max) max = scores[i];
  if (max === 0) {
    if (reverse) for (let i = 0; i < count; i++) scores[i] = MAX_NODE_SCORE;
    return;
  }
  for (let i = 0; i < count; i++) {
    let s = Math.trunc((MAX_NODE_SCORE * scores[i]) / max);
    if (reverse) s = MAX_NODE_SCORE - s;
    scores[i] = s;
  }
}
