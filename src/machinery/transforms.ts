/**
 * Informer transforms (client-go's cache.TransformFunc) that drop what a component never reads, so
 * each cached object costs less memory. kube-scheduler and kube-controller-manager strip
 * managedFields from every informer object the same way.
 */
import type { KubeObject } from '../api/object.ts';
import type { ResourceRef } from '../client/resource-ref.ts';

/** Removes metadata.managedFields (TransformStripManagedFields); changes the object in place. */
export function stripManagedFields<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields) delete obj.metadata.managedFields;
  return obj;
}

/**
 * The scheduler's transform: managedFields go from every object, and a pod also loses its
 * container statuses (no plugin reads them; phase, conditions and nominatedNodeName stay).
 */
export function schedulerTransform(obj: KubeObject, ref: ResourceRef): KubeObject {
  stripManagedFields(obj);
  if (ref.resource === 'pods' && ref.group === '') {
    const status = (obj as { status?: Record<string, unknown> }).status;
    if (status) {
      delete status.containerStatuses;
      delete status.initContainerStatuses;
      delete status.ephemeralContainerStatuses;
    }
  }
  return obj;
}
