import type { Command } from 'commander';
import type { NodeAgentOptions } from './node-agent.ts';
import { parseKeyValues, parseTaints } from '../kubelet/simulated/node-template.ts';

/** The node flags `skiff server` (for its embedded agent) and `skiff agent` share, as commander hands them over. */
export interface NodeFlags {
  nodeName?: string;
  nodeIp?: string;
  kubeletPort?: string;
  cniBridge?: string;
  containerRuntimeEndpoint?: string;
  nodeLabels?: string;
  nodeTaints?: string;
}

/** Adds the shared node flags to a command. */
export function addNodeOptions(command: Command): Command {
  return command
    .option('--node-name <name>', 'node name (default: the host name)')
    .option('--node-ip <ip>', 'IP address the node advertises (default: first non-loopback IPv4)')
    .option('--node-labels <list>', 'extra node labels, k=v,...')
    .option('--node-taints <list>', 'node taints, k=v:NoSchedule,...')
    .option('--kubelet-port <port>', 'port of the kubelet HTTPS API', '10250')
    .option('--cni-bridge <name>', 'host bridge of the pod network', 'skiff0')
    .option('--container-runtime-endpoint <socket>', 'use this CRI socket instead of starting containerd');
}

/** The node agent options the shared flags set; `extraLabels` go under the user's --node-labels. */
export function nodeOptionsFromFlags(flags: NodeFlags, extraLabels: Record<string, string> = {}): Pick<NodeAgentOptions, 'nodeName' | 'nodeIP' | 'kubeletPort' | 'cniBridge' | 'containerRuntimeEndpoint' | 'labels' | 'taints'> {
  return {
    nodeName: flags.nodeName,
    nodeIP: flags.nodeIp,
    kubeletPort: flags.kubeletPort ? Number(flags.kubeletPort) : undefined,
    cniBridge: flags.cniBridge,
    containerRuntimeEndpoint: flags.containerRuntimeEndpoint,
    labels: { ...extraLabels, ...parseKeyValues(flags.nodeLabels) },
    taints: parseTaints(flags.nodeTaints),
  };
}
