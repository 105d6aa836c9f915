/**
 * Informer event handlers of the scheduler (pkg/scheduler/eventhandlers.go): unscheduled pods this
 * scheduler is responsible for go to the queue, assigned pods and nodes update the snapshot, and
 * cluster changes that may make a pending pod schedulable move the unschedulable pods back
 * (MoveAllToActiveOrBackoffQueue with the ClusterEvent). Handlers do only in-memory work.
 */
import { jsonEqual, type KubeObject } from '../api/object.ts';
import type { EventHandler } from '../machinery/informer.ts';
import type { ClusterEvent } from './framework.ts';
import { newPodInfo } from './pod-info.ts';
import type { PriorityResolver } from './priority.ts';
import type { SchedulingQueue } from './queue.ts';
import type { Snapshot } from './snapshot.ts';
import { podUid } from './types.ts';
import type { Namespace, Node, Pod } from './types.ts';

/** What the handlers feed. */
export interface HandlerTarget {
  snapshot: Snapshot;
  queue: SchedulingQueue;
  priorities: PriorityResolver;
  /** Profile names this scheduler serves (spec.schedulerName). */
  schedulerNames: ReadonlySet<string>;
}

/** A pod with spec.nodeName is assigned (assignedPod). */
export function isAssigned(pod: Pod): boolean {
  return !!pod.spec?.nodeName;
}

/** Succeeded and Failed pods are invisible to the scheduler (its informer filters them out). */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Whether a profile of this scheduler serves the pod; an unset schedulerName means default-scheduler. */
export function responsibleForPod(pod: Pod, names: ReadonlySet<string>): boolean {
  return names.has(pod.spec?.schedulerName || 'default-scheduler');
}

/**
 * Whether an update changed more than the status (isPodUpdated): resourceVersion, generation,
 * status, managedFields and finalizers are ignored, so the scheduler's own status patches do not
 * send an unschedulable pod straight back to the active queue.
 */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): unknown => {
    const { resourceVersion: _rv, generation: _g, managedFields: _mf, finalizers: _f, ...metadata } = p.metadata ?? {};
    return { ...p, metadata, status: undefined };
  };
  return !jsonEqual(strip(oldPod), strip(newPod));
}

function conditionStatuses(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of node.status?.conditions ?? []) out[c.type] = c.status;
  return out;
}

/**
 * Whether a node update can change scheduling decisions (nodeSchedulingPropertiesChange):
 * unschedulable, allocatable, labels, taints or condition statuses. Heartbeats (lastHeartbeatTime)
 * alone do not, so 5,000 nodes reporting every 10 s do not churn the queue.
 */
export function nodeSchedulingPropertiesChanged(oldNode: Node, newNode: Node): boolean {
  return (
    !!oldNode.spec?.unschedulable !== !!newNode.spec?.unschedulable ||
    !jsonEqual(oldNode.status?.allocatable ?? {}, newNode.status?.allocatable ?? {}) ||
    !jsonEqual(oldNode.metadata?.labels ?? {}, newNode.metadata?.labels ?? {}) ||
    !jsonEqual(oldNode.spec?.taints ?? [], newNode.spec?.taints ?? []) ||
    !jsonEqual(conditionStatuses(oldNode), conditionStatuses(newNode))
  );
}

/** Whether an assigned pod's update matters to pending pods: its labels or resource requests changed. */
function assignedPodChanged(oldPod: Pod, newPod: Pod): boolean {
  if (!jsonEqual(oldPod.metadata?.labels ?? {}, newPod.metadata?.labels ?? {})) return true;
  const resources = (p: Pod): unknown => (p.spec?.containers ?? []).map((c) => c.resources ?? {});
  return !jsonEqual(resources(oldPod), resources(newPod));
}

/** The handler of the pod informer: routes each event to the queue or the snapshot. */
export function podHandler(t: HandlerTarget): EventHandler<KubeObject> {
  const addAssigned = (pod: Pod): void => {
    t.snapshot.setPod(t.priorities.resolve(pod));
    t.queue.moveAllToActiveOrBackoffQueue('AssignedPodAdd');
  };
  const addUnscheduled = (pod: Pod): void => {
    if (!responsibleForPod(pod, t.schedulerNames) || isTerminal(pod)) return;
    const resolved = t.priorities.resolve(pod);
    t.queue.add(resolved);
    // A pod nominated before a restart keeps its nomination (the nominator reads status).
    const nnn = pod.status?.nominatedNodeName;
    if (nnn) t.queue.addNominatedPod(newPodInfo(resolved), nnn);
  };
  return {
    onAdd(obj) {
      const pod = obj as unknown as Pod;
      if (isAssigned(pod)) {
        if (!isTerminal(pod)) addAssigned(pod);
      } else addUnscheduled(pod);
    },
    onUpdate(oldObj, newObj) {
      const oldPod = oldObj as unknown as Pod;
      const pod = newObj as unknown as Pod;
      if (isAssigned(pod)) {
        if (!isAssigned(oldPod)) {
          // Bound (by us or by someone else): it leaves the queue and counts on its node.
          t.queue.delete(oldPod);
          addAssigned(pod);
          return;
        }
        t.snapshot.setPod(t.priorities.resolve(pod));
        if (isTerminal(pod) && !isTerminal(oldPod)) t.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
        else if (assignedPodChanged(oldPod, pod)) t.queue.moveAllToActiveOrBackoffQueue('AssignedPodUpdate');
        return;
      }
      if (!responsibleForPod(pod, t.schedulerNames)) return;
      if (isTerminal(pod)) return t.queue.delete(pod);
      if (isPodUpdated(oldPod, pod) || !t.queue.has(podUid(pod))) t.queue.update(t.priorities.resolve(pod));
      const before = oldPod.status?.nominatedNodeName ?? '';
      const after = pod.status?.nominatedNodeName ?? '';
      if (before !== after) {
        if (after) t.queue.addNominatedPod(newPodInfo(t.priorities.resolve(pod)), after);
        else t.queue.deleteNominatedPod(podUid(pod));
      }
    },
    onDelete(obj) {
      const pod = obj as unknown as Pod;
      if (isAssigned(pod)) {
        t.snapshot.removePod(pod);
        t.queue.moveAllToActiveOrBackoffQueue('AssignedPodDelete');
      } else t.queue.delete(pod);
    },
  };
}

/** The handler of the node informer. */
export function nodeHandler(t: HandlerTarget): EventHandler<KubeObject> {
  return {
    onAdd(obj) {
      t.snapshot.setNode(obj as unknown as Node);
      t.queue.moveAllToActiveOrBackoffQueue('NodeAdd');
    },
    onUpdate(oldObj, newObj) {
      const node = newObj as unknown as Node;
      t.snapshot.setNode(node);
      if (nodeSchedulingPropertiesChanged(oldObj as unknown as Node, node)) t.queue.moveAllToActiveOrBackoffQueue('NodeUpdate');
    },
    onDelete(obj) {
      t.snapshot.removeNode(obj.metadata.name ?? '');
      t.queue.moveAllToActiveOrBackoffQueue('NodeDelete');
    },
  };
}

/** The handler of the namespace informer (labels feed affinity namespaceSelectors). */
export function namespaceHandler(t: HandlerTarget): EventHandler<KubeObject> {
  return {
    onAdd(obj) {
      t.snapshot.setNamespace(obj as unknown as Namespace);
      t.queue.moveAllToActiveOrBackoffQueue('NamespaceAdd');
    },
    onUpdate(oldObj, newObj) {
      t.snapshot.setNamespace(newObj as unknown as Namespace);
      if (!jsonEqual(oldObj.metadata.labels ?? {}, newObj.metadata.labels ?? {})) t.queue.moveAllToActiveOrBackoffQueue('NamespaceUpdate');
    },
    onDelete(obj) {
      t.snapshot.removeNamespace(obj.metadata.name ?? '');
    },
  };
}

/** A handler that only moves unschedulable pods on add/update (and delete) of a resource. */
export function moveOn(queue: SchedulingQueue, events: { add?: ClusterEvent; update?: ClusterEvent; delete?: ClusterEvent }): EventHandler<KubeObject> {
  return {
    onAdd: () => events.add && queue.moveAllToActiveOrBackoffQueue(events.add),
    onUpdate: (oldObj, newObj) => {
      if (events.update && oldObj !== newObj) queue.moveAllToActiveOrBackoffQueue(events.update);
    },
    onDelete: () => events.delete && queue.moveAllToActiveOrBackoffQueue(events.delete),
  };
}
