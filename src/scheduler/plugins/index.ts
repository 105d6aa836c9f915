/**
 * The in-tree plugin registry (plugins/registry.go): every plugin skiff implements, by name.
 */
import type { Registry } from '../framework.ts';
import { BALANCED_ALLOCATION, newBalancedAllocation } from './balanced-allocation.ts';
import { DEFAULT_BINDER, newDefaultBinder } from './default-binder.ts';
import { DEFAULT_PREEMPTION, newDefaultPreemption } from './default-preemption.ts';
import { INTER_POD_AFFINITY, newInterPodAffinity } from './inter-pod-affinity.ts';
import { NODE_AFFINITY, newNodeAffinity } from './node-affinity.ts';
import { NODE_NAME, newNodeName } from './node-name.ts';
import { NODE_PORTS, newNodePorts } from './node-ports.ts';
import { NODE_RESOURCES_FIT, newNodeResourcesFit } from './node-resources-fit.ts';
import { NODE_UNSCHEDULABLE, newNodeUnschedulable } from './node-unschedulable.ts';
import { POD_TOPOLOGY_SPREAD, newPodTopologySpread } from './pod-topology-spread.ts';
import { PRIORITY_SORT, newPrioritySort } from './priority-sort.ts';
import { SCHEDULING_GATES, newSchedulingGates } from './scheduling-gates.ts';
import { TAINT_TOLERATION, newTaintToleration } from './taint-toleration.ts';
import { VOLUME_BINDING, newVolumeBinding } from './volume-binding.ts';

/** A fresh registry holding every in-tree plugin. */
export function inTreeRegistry(): Registry {
  return new Map([
    [SCHEDULING_GATES, newSchedulingGates],
    [PRIORITY_SORT, newPrioritySort],
    [NODE_UNSCHEDULABLE, newNodeUnschedulable],
    [NODE_NAME, newNodeName],
    [TAINT_TOLERATION, newTaintToleration],
    [NODE_AFFINITY, newNodeAffinity],
    [NODE_PORTS, newNodePorts],
    [NODE_RESOURCES_FIT, newNodeResourcesFit],
    [VOLUME_BINDING, newVolumeBinding],
    [POD_TOPOLOGY_SPREAD, newPodTopologySpread],
    [INTER_POD_AFFINITY, newInterPodAffinity],
    [DEFAULT_PREEMPTION, newDefaultPreemption],
    [BALANCED_ALLOCATION, newBalancedAllocation],
    [DEFAULT_BINDER, newDefaultBinder],
  ]);
}
