/**
 * PodTopologySpread (plugins/podtopologyspread): spreads matching pods across topology domains.
 * Filter enforces DoNotSchedule constraints (maxSkew against the global minimum, honouring
 * minDomains); Score favours domains with fewer matching pods for ScheduleAnyway constraints.
 * Pods without constraints get the system defaults (hostname maxSkew 3, zone maxSkew 5, both
 * ScheduleAnyway) over their Services' and controller's selectors.
 */
import type { V1TopologySpreadConstraint } from '@kubernetes/client-node';
import type { CycleState, StateData } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, Handle, PluginFactory, PreFilterExtensions, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import { MAX_NODE_SCORE } from '../framework.ts';
import { findUntoleratedTaint } from '../helpers.ts';
import { compileLabelSelector, compileNodeSelectorTerms } from '../label-selector.ts';
import type { LabelPredicate, NodePredicate } from '../label-selector.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import type { Snapshot } from '../snapshot.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';
import { defaultSelector } from './default-selector.ts';

/** Plugin name. */
export const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';
/** Kubernetes' reason texts. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const HOSTNAME = 'kubernetes.io/hostname';
const PREFILTER_KEY = 'PreFilterPodTopologySpread';
const PRESCORE_KEY = 'PreScorePodTopologySpread';
const SKIP = newStatus(Code.Skip, undefined, POD_TOPOLOGY_SPREAD);
const REJECT_LABEL = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_NODE_LABEL_NOT_MATCH, POD_TOPOLOGY_SPREAD);
const REJECT_SKEW = newStatus(Code.Unschedulable, ERR_REASON_CONSTRAINTS_NOT_MATCH, POD_TOPOLOGY_SPREAD);

/** The system default constraints (config.PodTopologySpreadArgs with defaultingType System). */
export const SYSTEM_DEFAULT_CONSTRAINTS: V1TopologySpreadConstraint[] = [
  { maxSkew: 3, topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway' },
  { maxSkew: 5, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' },
];

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  selector: LabelPredicate;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
}

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;

class PreFilterState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    /** Matching pods per topology pair (every eligible domain present, possibly 0). */
    readonly counts: Map<string, number>,
    /** Number of domains per topology key. */
    readonly domains: Map<string, number>,
    /** Global minimum per topology key. */
    readonly minimum: Map<string, number>,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.constraints, new Map(this.counts), this.domains, new Map(this.minimum));
  }
  recomputeMinimum(key: string): void {
    let min = Infinity;
    const prefix = `${key}\u0000`;
    for (const [k, v] of this.counts) if (k.startsWith(prefix) && v < min) min = v;
    this.minimum.set(key, min === Infinity ? 0 : min);
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    readonly ignored: Set<string>,
    readonly counts: Map<string, number>,
    readonly weights: number[],
  ) {}
  clone(): StateData {
    return this;
  }
}

/** Pods in `namespace` (not being deleted) that the selector matches (countPodsMatchSelector). */
function countMatching(pods: readonly PodInfo[], selector: LabelPredicate, namespace: string): number {
  let n = 0;
  for (const p of pods) {
    if (p.namespace !== namespace || p.pod.metadata?.deletionTimestamp) continue;
    if (selector(p.labels)) n++;
  }
  return n;
}

function hasAllKeys(labels: Record<string, string>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!(c.topologyKey in labels)) return false;
  return true;
}

/** The required node affinity of the pod (nodeSelector AND required terms). */
function requiredNodeAffinity(pod: PodInfo): NodePredicate {
  const spec = pod.pod.spec;
  const pairs = Object.entries(spec?.nodeSelector ?? {});
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms) : undefined;
  return (labels, name) => pairs.every(([k, v]) => labels?.[k] === v) && (!terms || terms(labels, name));
}

/** The PodTopologySpread filter and scorer. */
export class PodTopologySpread implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = POD_TOPOLOGY_SPREAD;
  private readonly snapshot: Snapshot;
  private readonly defaults: V1TopologySpreadConstraint[];
  private readonly systemDefaulted: boolean;

  constructor(private readonly handle: Handle, args: { defaultConstraints?: V1TopologySpreadConstraint[]; defaultingType?: 'System' | 'List' } = {}) {
    this.snapshot = handle.snapshot;
    this.systemDefaulted = (args.defaultingType ?? 'System') === 'System';
    this.defaults = this.systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, pod, toAdd, node) => this.updateWithPod(state, pod, toAdd, node, 1),
    removePod: (state, pod, toRemove, node) => this.updateWithPod(state, pod, toRemove, node, -1),
  };

  /** The pod's constraints for one action (DoNotSchedule or ScheduleAnyway), or the defaults. */
  private constraints(pod: PodInfo, action: string): Constraint[] {
    const own = pod.pod.spec?.topologySpreadConstraints;
    if (own?.length) {
      return own.filter((c) => c.whenUnsatisfiable === action).map((c) => {
        let selector = compileLabelSelector(c.labelSelector);
        // matchLabelKeys: the pod's own values for those keys are ANDed into the selector.
        for (const key of c.matchLabelKeys ?? []) {
          const v = pod.labels?.[key];
          if (v === undefined) continue;
          const base = selector;
          selector = (l) => base(l) && l?.[key] === v;
        }
        return {
          maxSkew: c.maxSkew,
          topologyKey: c.topologyKey,
          selector,
          minDomains: c.minDomains ?? 1,
          honorNodeAffinity: (c.nodeAffinityPolicy ?? 'Honor') === 'Honor',
          honorTaints: c.nodeTaintsPolicy === 'Honor',
        };
      });
    }
    const defaults = this.defaults.filter((c) => c.whenUnsatisfiable === action);
    if (defaults.length === 0) return [];
    const selector = defaultSelector(pod.pod, this.handle.workloads);
    if (!selector) return [];
    return defaults.map((c) => ({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector, minDomains: 1, honorNodeAffinity: true, honorTaints: false }));
  }

  /** Whether the node counts for a constraint (matchNodeInclusionPolicies). */
  private included(c: Constraint, pod: PodInfo, node: NodeInfo, affinity: NodePredicate): boolean {
    if (c.honorNodeAffinity && !affinity(node.labels, node.name)) return false;
    if (c.honorTaints && findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, (e) => e === 'NoSchedule' || e === 'NoExecute')) return false;
    return true;
  }

  preFilter(state: CycleState, pod: PodInfo): Result {
    const constraints = this.constraints(pod, 'DoNotSchedule');
    if (constraints.length === 0) return SKIP;
    const affinity = requiredNodeAffinity(pod);
    const counts = new Map<string, number>();
    for (const node of this.snapshot.nodeInfoList()) {
      if (!hasAllKeys(node.labels, constraints)) continue;
      for (const c of constraints) {
        if (!this.included(c, pod, node, affinity)) continue;
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey]);
        counts.set(k, (counts.get(k) ?? 0) + countMatching(node.pods, c.selector, pod.namespace));
      }
    }
    const domains = new Map<string, number>();
    for (const k of counts.keys()) {
      const key = k.slice(0, k.indexOf('\u0000'));
      domains.set(key, (domains.get(key) ?? 0) + 1);
    }
    const s = new PreFilterState(constraints, counts, domains, new Map());
    for (const c of constraints) s.recomputeMinimum(c.topologyKey);
    state.write(PREFILTER_KEY, s);
    return null;
  }

  private updateWithPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s || other.namespace !== pod.namespace || !node.node) return null;
    if (!hasAllKeys(node.labels, s.constraints)) return null;
    const affinity = requiredNodeAffinity(pod);
    for (const c of s.constraints) {
      if (!c.selector(other.labels) || !this.included(c, pod, node, affinity)) continue;
      const k = pairKey(c.topologyKey, node.labels[c.topologyKey]);
      s.counts.set(k, (s.counts.get(k) ?? 0) + delta);
      s.recomputeMinimum(c.topologyKey);
    }
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return null;
    for (const c of s.constraints) {
      const value = node.labels[c.topologyKey];
      if (value === undefined) return REJECT_LABEL;
      // Fewer domains than minDomains: the global minimum is taken as 0.
      const min = (s.domains.get(c.topologyKey) ?? 0) < c.minDomains ? 0 : (s.minimum.get(c.topologyKey) ?? 0);
      const self = c.selector(pod.labels) ? 1 : 0;
      const matched = s.counts.get(pairKey(c.topologyKey, value)) ?? 0;
      if (matched + self - min > c.maxSkew) return REJECT_SKEW;
    }
    return null;
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result {
    if (nodes.length === 0 || this.snapshot.numNodes === 0) return null;
    const constraints = this.constraints(pod, 'ScheduleAnyway');
    if (constraints.length === 0) return SKIP;
    // Only explicit (or non-system) constraints require every topology label on a node.
    const requireAll = (pod.pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !this.systemDefaulted;
    const ignored = new Set<string>();
    const counts = new Map<string, number>();
    const sizes = constraints.map(() => 0);
    for (const node of nodes) {
      if (requireAll && !hasAllKeys(node.labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      constraints.forEach((c, i) => {
        if (c.topologyKey === HOSTNAME) return;
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey] ?? '');
        if (!counts.has(k)) {
          counts.set(k, 0);
          sizes[i]++;
        }
      });
    }
    const weights = constraints.map((c, i) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : sizes[i]) + 2));
    const affinity = requiredNodeAffinity(pod);
    for (const node of this.snapshot.nodeInfoList()) {
      if (requireAll && !hasAllKeys(node.labels, constraints)) continue;
      for (const c of constraints) {
        if (!this.included(c, pod, node, affinity)) continue;
        const k = pairKey(c.topologyKey, node.labels[c.topologyKey] ?? '');
        const cur = counts.get(k);
        // Domains without a candidate node and per-node (hostname) counts are skipped here.
        if (cur === undefined) continue;
        counts.set(k, cur + countMatching(node.pods, c.selector, pod.namespace));
      }
    }
    state.write(PRESCORE_KEY, new PreScoreState(constraints, ignored, counts, weights));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s || s.ignored.has(node.name)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) continue;
      const cnt = c.topologyKey === HOSTNAME ? countMatching(node.pods, c.selector, pod.namespace) : (s.counts.get(pairKey(c.topologyKey, value)) ?? 0);
      score += cnt * s.weights[i] + (c.maxSkew - 1);
    }
    return Math.round(score);
  }

  /** Fewer matching pods score higher: 100 * (max + min - score) / max; ignored nodes get 0. */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, count: number, nodes: readonly NodeInfo[]): void {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s) return;
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < count; i++) {
      if (s.ignored.has(nodes[i].name)) continue;
      if (scores[i] < min) min = scores[i];
      if (scores[i] > max) max = scores[i];
    }
    for (let i = 0; i < count; i++) {
      if (s.ignored.has(nodes[i].name)) scores[i] = 0;
      else if (max === 0) scores[i] = MAX_NODE_SCORE;
      else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - scores[i])) / max);
    }
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'NodeDelete', 'UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newPodTopologySpread: PluginFactory = (args, handle) => new PodTopologySpread(handle, args as { defaultingType?: 'System' | 'List' } | undefined);
