/**
 * NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods unless the pod tolerates
 * the node.kubernetes.io/unschedulable:NoSchedule taint (plugins/nodeunschedulable).
 */
import type { V1Taint } from '@kubernetes/client-node';
import type { ClusterEvent, FilterPlugin, PluginFactory } from '../framework.ts';
import { tolerationsTolerate } from '../helpers.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
/** Kubernetes' reason text (ErrReasonUnschedulable). */
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const TAINT: V1Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const REJECT = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_UNSCHEDULABLE, NODE_UNSCHEDULABLE);

/** The NodeUnschedulable filter. */
export class NodeUnschedulable implements FilterPlugin {
  readonly name = NODE_UNSCHEDULABLE;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Result {
    if (!node.node?.spec?.unschedulable) return null;
    return tolerationsTolerate(pod.pod.spec?.tolerations, TAINT) ? null : REJECT;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate'];
  }
}

/** Factory for the registry. */
export const newNodeUnschedulable: PluginFactory = () => new NodeUnschedulable();
