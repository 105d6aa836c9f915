/**
 * NodeName: a pod that names its node (spec.nodeName) fits only that node (plugins/nodename).
 */
import type { ClusterEvent, FilterPlugin, PluginFactory } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const NODE_NAME = 'NodeName';
/** Kubernetes' reason text (ErrReason). */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

const REJECT = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_NAME, NODE_NAME);

/** The NodeName filter. */
export class NodeName implements FilterPlugin {
  readonly name = NODE_NAME;

  filter(_state: unknown, pod: PodInfo, node: NodeInfo): Result {
    const want = pod.pod.spec?.nodeName;
    return want && want !== node.name ? REJECT : null;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate'];
  }
}

/** Factory for the registry. */
export const newNodeName: PluginFactory = () => new NodeName();
