/**
 * PrioritySort (plugins/queuesort): the active queue pops higher spec.priority first, and among
 * equal priorities the pod that entered the queue first.
 */
import type { PluginFactory, QueueSortPlugin, QueuedPod } from '../framework.ts';

/** Plugin name. */
export const PRIORITY_SORT = 'PrioritySort';

/** The queue ordering used by the default profile. */
export function prioritySortLess(a: QueuedPod, b: QueuedPod): boolean {
  return a.priority > b.priority || (a.priority === b.priority && a.timestamp < b.timestamp);
}

/** The PrioritySort queue-sort plugin. */
export class PrioritySort implements QueueSortPlugin {
  readonly name = PRIORITY_SORT;
  less(a: QueuedPod, b: QueuedPod): boolean {
    return prioritySortLess(a, b);
  }
}

/** Factory for the registry. */
export const newPrioritySort: PluginFactory = () => new PrioritySort();
