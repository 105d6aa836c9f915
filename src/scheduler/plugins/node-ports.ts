/**
 * NodePorts (plugins/nodeports): a pod asking for host ports fits only nodes where no pod holds a
 * conflicting port (same protocol and port, on the same IP or 0.0.0.0).
 */
import type { CycleState } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, PluginFactory, PreFilterPlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const NODE_PORTS = 'NodePorts';
/** Kubernetes' reason text (ErrReason). */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const REJECT = newStatus(Code.Unschedulable, ERR_REASON_NODE_PORTS, NODE_PORTS);
const SKIP = newStatus(Code.Skip, undefined, NODE_PORTS);

/** The NodePorts filter. */
export class NodePorts implements PreFilterPlugin, FilterPlugin {
  readonly name = NODE_PORTS;

  preFilter(_state: CycleState, pod: PodInfo): Result {
    // Pods without host ports skip the filter entirely.
    return pod.hostPorts.length === 0 ? SKIP : null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    if (node.usedPorts.size === 0) return null;
    for (const p of pod.hostPorts) if (node.usedPorts.conflicts(p)) return REJECT;
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodDelete', 'NodeAdd', 'NodeUpdate'];
  }
}

/** Factory for the registry. */
export const newNodePorts: PluginFactory = () => new NodePorts();
