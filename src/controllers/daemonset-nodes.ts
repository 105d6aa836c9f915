/**
 * Where a DaemonSet's pods go (pkg/controller/daemon NodeShouldRunDaemonPod and
 * daemon/util): the node must match the template's nodeName, nodeSelector and required node
 * affinity, and the pod (with the tolerations the controller adds) must tolerate the node's
 * NoSchedule and NoExecute taints. The controller pins each pod to its node with a required
 * `metadata.name In [node]` matchFields term, so the default scheduler binds it there.
 */
import { cloneJson } from '../api/object.ts';
import { toleratesTaint, TAINT_DISK_PRESSURE, TAINT_MEMORY_PRESSURE, TAINT_NETWORK_UNAVAILABLE, TAINT_NOT_READY, TAINT_PID_PRESSURE, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE, type Taint, type Toleration } from './node-taints.ts';
import type { DaemonSet, NodeObject } from './set-types.ts';
import type { Pod, PodTemplate } from './workload-types.ts';

interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
interface Affinity {
  nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] }; [field: string]: unknown };
  [field: string]: unknown;
}
/** The pod spec fields placement reads. */
interface PlacementSpec {
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: Affinity;
  tolerations?: Toleration[];
  hostNetwork?: boolean;
}

/**
 * AddOrUpdateDaemonPodTolerations: not-ready and unreachable NoExecute forever, the
 * condition taints and unschedulable NoSchedule, and network-unavailable for hostNetwork pods.
 * A toleration with the same key, operator, value and effect is replaced, others are kept.
 */
export function addDaemonPodTolerations(spec: Record<string, unknown>): void {
  const wanted: Toleration[] = [
    { key: TAINT_NOT_READY, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
    { key: TAINT_DISK_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_MEMORY_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_PID_PRESSURE, operator: 'Exists', effect: 'NoSchedule' },
    { key: TAINT_UNSCHEDULABLE, operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (spec.hostNetwork) wanted.push({ key: TAINT_NETWORK_UNAVAILABLE, operator: 'Exists', effect: 'NoSchedule' });
  const tolerations = [...((spec.tolerations as Toleration[] | undefined) ?? [])];
  for (const t of wanted) {
    const i = tolerations.findIndex((o) => o.key === t.key && (o.operator ?? 'Equal') === t.operator && (o.value ?? '') === '' && (o.effect ?? '') === t.effect);
    if (i >= 0) tolerations[i] = t;
    else tolerations.push(t);
  }
  spec.tolerations = tolerations;
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required node affinity becomes exactly `metadata.name In [node]`. */
export function pinToNode(spec: Record<string, unknown>, nodeName: string): void {
  const term: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const affinity = (spec.affinity as Affinity | undefined) ?? {};
  const nodeAffinity = (affinity.nodeAffinity ??= {});
  nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = { nodeSelectorTerms: [term] };
  spec.affinity = affinity;
}

/** The node a daemon pod is for: spec.nodeName, else the pinned name of its affinity (GetTargetNodeName). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  const terms = (pod.spec?.affinity as Affinity | undefined)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  for (const term of terms) {
    for (const f of term.matchFields ?? []) if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
  }
  return undefined;
}

function requirementMatches(r: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !/^-?\d+$/.test(value) || values.length !== 1) return false;
      return r.operator === 'Gt' ? Number(value) > Number(values[0]) : Number(value) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** A node selector term (an empty one matches nothing); matchFields support metadata.name only. */
function termMatches(term: NodeSelectorTerm, node: NodeObject): boolean {
  if (!term.matchExpressions?.length && !term.matchFields?.length) return false;
  const labels = node.metadata.labels ?? {};
  if (!(term.matchExpressions ?? []).every((r) => requirementMatches(r, labels[r.key]))) return false;
  return (term.matchFields ?? []).every((r) => r.key === 'metadata.name' && (r.operator === 'In' || r.operator === 'NotIn') && requirementMatches(r, node.metadata.name));
}

/** nodeSelector and required node affinity (GetRequiredNodeAffinity().Match): the terms are ORed. */
export function matchesNodeAffinity(spec: PlacementSpec, node: NodeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return required.nodeSelectorTerms.some((t) => termMatches(t, node));
}

function untolerated(taints: Taint[], tolerations: Toleration[], effects: string[]): boolean {
  return taints.some((taint) => effects.includes(taint.effect) && !tolerations.some((t) => toleratesTaint(t, taint)));
}

/**
 * NodeShouldRunDaemonPod: `shouldRun` when a new daemon pod belongs on the node,
 * `shouldContinueRunning` when an existing one may stay (an untolerated NoSchedule taint stops
 * new pods but does not evict; an untolerated NoExecute taint does).
 */
export function nodeShouldRunDaemonPod(node: NodeObject, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const spec = cloneJson((ds.spec.template?.spec ?? {}) as Record<string, unknown>);
  addDaemonPodTolerations(spec);
  const placement = spec as PlacementSpec;
  if (placement.nodeName && placement.nodeName !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  if (!matchesNodeAffinity(placement, node)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = node.spec?.taints ?? [];
  const tolerations = placement.tolerations ?? [];
  if (untolerated(taints, tolerations, ['NoSchedule', 'NoExecute'])) return { shouldRun: false, shouldContinueRunning: !untolerated(taints, tolerations, ['NoExecute']) };
  return { shouldRun: true, shouldContinueRunning: true };
}

/** The template a daemon pod for `node` is made from: added tolerations, hash label, node pin. */
export function daemonPodTemplate(ds: DaemonSet, hash: string, nodeName: string): PodTemplate {
  const template = cloneJson(ds.spec.template ?? {});
  const spec = (template.spec ??= {});
  addDaemonPodTolerations(spec);
  const meta = (template.metadata ??= {});
  meta.labels = { ...(meta.labels ?? {}) };
  // The API server keeps this annotation on apps/v1 DaemonSets; its value becomes pod-template-generation.
  const generation = ds.metadata.annotations?.['deprecated.daemonset.template.generation'];
  if (generation !== undefined) meta.labels['pod-template-generation'] = generation;
  if (hash) meta.labels['controller-revision-hash'] = hash;
  pinToNode(spec, nodeName);
  return template;
}
