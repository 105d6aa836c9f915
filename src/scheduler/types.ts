/**
 * The JSON shapes the scheduler reads: the @kubernetes/client-node models with timestamps as the
 * RFC 3339 strings that travel on the wire (the models type them as Date).
 */
import type { V1Node, V1Pod, V1PodStatus, V1Namespace } from '@kubernetes/client-node';
import type { ObjectMeta } from '../api/object.ts';

/** A Pod as plain JSON (metadata and status timestamps are strings). */
export type Pod = Omit<V1Pod, 'metadata' | 'status'> & {
  metadata?: ObjectMeta;
  status?: Omit<V1PodStatus, 'startTime' | 'conditions'> & { startTime?: string; conditions?: unknown[] };
};

/** A Node as plain JSON. */
export type Node = Omit<V1Node, 'metadata'> & { metadata?: ObjectMeta };

/** A Namespace as plain JSON (its labels feed pod affinity `namespaceSelector`). */
export type Namespace = Omit<V1Namespace, 'metadata'> & { metadata?: ObjectMeta };

/** `namespace/name` of a pod, as klog.KObj prints it. */
export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

/** The pod's uid, falling back to `namespace/name` for objects that never went through the API. */
export function podUid(pod: Pod): string {
  return pod.metadata?.uid ?? podKey(pod);
}

/** spec.priority with Kubernetes' default of 0 (corev1helpers.PodPriority). */
export function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}
