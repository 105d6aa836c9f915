/**
 * Builders for nodes and pods used by the scheduler's tests and benchmark (like the scheduler's
 * internal/testing st.MakePod / st.MakeNode): small objects with only the fields that matter.
 */
import { Framework } from './runtime.ts';
import { DEFAULT_PROFILE } from './framework.ts';
import type { Handle, Profile } from './framework.ts';
import { inTreeRegistry } from './plugins/index.ts';
import { ScheduleAlgorithm } from './schedule-one.ts';
import type { ScheduleOptions } from './schedule-one.ts';
import { Snapshot } from './snapshot.ts';
import type { Node, Pod } from './types.ts';

/** Options of makeNode. */
export interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

/** A Ready node with allocatable cpu/memory/pods (defaults 4 cpu, 16Gi, 110 pods) and a hostname label. */
export function makeNode(name: string, o: NodeOptions = {}): Node {
  return {
    metadata: { name, uid: `node-${name}`, labels: { 'kubernetes.io/hostname': name, ...o.labels } },
    spec: { taints: o.taints, unschedulable: o.unschedulable },
    status: { allocatable: { cpu: o.cpu ?? '4', memory: o.memory ?? '16Gi', pods: o.pods ?? '110', ...o.extra } },
  };
}

/** Options of makePod. */
export interface PodOptions {
  namespace?: string;
  cpu?: string;
  memory?: string;
  nodeName?: string;
  labels?: Record<string, string>;
  priority?: number;
  spec?: Partial<NonNullable<Pod['spec']>>;
  requests?: Record<string, string>;
}

/** A one-container pod with the given requests. */
export function makePod(name: string, o: PodOptions = {}): Pod {
  const requests: Record<string, string> = { ...o.requests };
  if (o.cpu) requests.cpu = o.cpu;
  if (o.memory) requests.memory = o.memory;
  const namespace = o.namespace ?? 'default';
  return {
    metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: o.labels },
    spec: {
      containers: [{ name: 'c', image: 'pause', resources: Object.keys(requests).length ? { requests } : {} }],
      nodeName: o.nodeName,
      priority: o.priority,
      ...o.spec,
    },
  };
}

/** A snapshot, framework and algorithm over the given nodes and bound pods (default profile unless given). */
export function makeScheduler(nodes: Node[], pods: Pod[] = [], o: { profile?: Profile; handle?: Partial<Handle>; options?: ScheduleOptions } = {}): { snapshot: Snapshot; framework: Framework; algorithm: ScheduleAlgorithm } {
  const snapshot = new Snapshot();
  for (const n of nodes) snapshot.setNode(n);
  for (const p of pods) snapshot.setPod(p);
  const framework = new Framework(o.profile ?? DEFAULT_PROFILE, inTreeRegistry(), { snapshot, ...o.handle });
  return { snapshot, framework, algorithm: new ScheduleAlgorithm(framework, snapshot, o.options) };
}

/** Schedules one pod on a fresh scheduler; returns the chosen node name or the failure message. */
export function scheduleOnce(nodes: Node[], pods: Pod[], pod: Pod, o: Parameters<typeof makeScheduler>[2] = {}): string {
  const { algorithm } = makeScheduler(nodes, pods, o);
  const out = algorithm.scheduleOne(pod);
  return out.kind === 'scheduled' ? out.nodeName : out.error.message;
}
