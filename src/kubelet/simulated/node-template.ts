import { createHash } from 'node:crypto';
import { nowTimestamp, type KubeObject } from '../../api/object.ts';

/** core/v1 Taint as JSON. */
export interface SimTaint {
  key: string;
  value?: string;
  effect: string;
}

/** How simulated nodes look. */
export interface NodeTemplate {
  /** Node names are `<namePrefix><index>`. */
  namePrefix: string;
  /** status.capacity (and allocatable): resource name to quantity. */
  capacity: Record<string, string>;
  /** Extra labels on top of the standard ones. */
  labels: Record<string, string>;
  taints: SimTaint[];
}

/** The defaults of `skiff agent --simulate`: like a KWOK node, big enough for 110 pods. */
export const DEFAULT_NODE_TEMPLATE: NodeTemplate = {
  namePrefix: 'skiff-sim-',
  capacity: { cpu: '32', memory: '256Gi', pods: '110' },
  labels: {},
  taints: [],
};

/** What simulated kubelets report as their versions. */
export const SIM_KUBELET_VERSION = 'v1.32.0-skiff';
export const SIM_RUNTIME_VERSION = 'skiff-sim://0.1.0';
/** The kubelet's port in status.daemonEndpoints (no server listens there for simulated nodes). */
const KUBELET_PORT = 10250;

/** The conditions a healthy kubelet posts, in the kubelet's order, with its reasons and messages. */
const HEALTHY_CONDITIONS = [
  { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
  { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
  { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
  { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
];

/** A node condition as JSON. */
export interface SimNodeCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/**
 * The fake InternalIP of the node with this index, from 10.99.0.0/16: 254 hosts per /24 (.1 to
 * .254), so 65,024 nodes fit.
 */
export function nodeInternalIP(index: number): string {
  return `10.99.${Math.floor(index / 254) % 256}.${(index % 254) + 1}`;
}

/** The labels of a simulated node: the kubelet's well-known ones plus skiff's and the template's. */
export function nodeLabels(name: string, template: NodeTemplate): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': name,
    'kubernetes.io/os': 'linux',
    'node.kubernetes.io/instance-type': 'skiff-sim',
    type: 'simulated',
    ...template.labels,
  };
}

/** A Node as a simulated kubelet registers it (metadata and spec; status is posted separately). */
export function nodeObject(name: string, template: NodeTemplate): KubeObject {
  const spec: Record<string, unknown> = {};
  if (template.taints.length > 0) spec.taints = template.taints.map((t) => ({ ...t }));
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: nodeLabels(name, template),
      annotations: { 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
    },
    spec,
  };
}

/**
 * The status a healthy simulated kubelet posts: capacity = allocatable, the four conditions with
 * heartbeat `now` (transition times kept from `previous` while the status stays the same),
 * InternalIP and Hostname addresses, the kubelet endpoint and nodeInfo.
 */
export function nodeStatus(name: string, index: number, template: NodeTemplate, now: number, previous?: SimNodeCondition[]): Record<string, unknown> {
  const stamp = nowTimestamp(new Date(now));
  const conditions = HEALTHY_CONDITIONS.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : stamp;
    return { ...c, lastHeartbeatTime: stamp, lastTransitionTime };
  });
  const id = (salt: string) => createHash('sha256').update(`${salt}/${name}`).digest('hex').slice(0, 32);
  return {
    capacity: { ...template.capacity },
    allocatable: { ...template.capacity },
    conditions,
    addresses: [
      { type: 'InternalIP', address: nodeInternalIP(index) },
      { type: 'Hostname', address: name },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: KUBELET_PORT } },
    nodeInfo: {
      machineID: id('machine'),
      systemUUID: id('system'),
      bootID: id('boot'),
      kernelVersion: '6.1.0-skiff-sim',
      osImage: 'Skiff Simulated Node',
      containerRuntimeVersion: SIM_RUNTIME_VERSION,
      kubeletVersion: SIM_KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: 'linux',
      architecture: 'amd64',
    },
  };
}

/** Whether a node's posted status still says what this simulated kubelet says (all conditions healthy). */
export function statusIsHealthy(conditions: readonly SimNodeCondition[] | undefined): boolean {
  return HEALTHY_CONDITIONS.every((h) => conditions?.some((c) => c.type === h.type && c.status === h.status));
}

/** Parses `k=v,k2=v2` (the agent's --node-labels and --node-capacity). Throws on a term without `=`. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const term of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = term.indexOf('=');
    if (eq <= 0) throw new Error(`expected key=value, got ${JSON.stringify(term)}`);
    out[term.slice(0, eq)] = term.slice(eq + 1);
  }
  return out;
}

/** Parses `key=value:Effect,key:Effect` (kubelet's --register-with-taints). */
export function parseTaints(text: string | undefined): SimTaint[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((term) => {
      const colon = term.lastIndexOf(':');
      const effect = colon > 0 ? term.slice(colon + 1) : '';
      if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(effect)) throw new Error(`invalid taint ${JSON.stringify(term)}: the effect must be NoSchedule, PreferNoSchedule or NoExecute`);
      const [key, value] = term.slice(0, colon).split('=', 2);
      if (!key) throw new Error(`invalid taint ${JSON.stringify(term)}: missing key`);
      return value === undefined ? { key, effect } : { key, value, effect };
    });
}
