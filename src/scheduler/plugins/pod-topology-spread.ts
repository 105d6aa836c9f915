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
import type { PerNodeCounts } from '../pod-count-index.ts';
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
  /** Names the selector (with matchLabelKeys resolved), for the snapshot's per-node counts. */
  selectorKey: string;
  minDomains: number;
  honorNodeAffinity: boolean;
  honorTaints: boolean;
}

class PreFilterState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    /** Per constraint: matching pods per domain (every eligible domain present, possibly 0). */
    readonly counts: Map<string, number>[],
    /** Per constraint: the global minimum over its domains. */
    readonly minimum: number[],
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.constraints, this.counts.map((m) => new Map(m)), this.minimum.slice());
  }
  recomputeMinimum(i: number): void {
    let min = Infinity;
    for (const v of this.counts[i].values()) if (v < min) min = v;
    this.minimum[i] = min === Infinity ? 0 : min;
  }
}

class PreScoreState implements StateData {
  constructor(
    readonly constraints: Constraint[],
    readonly ignored: Set<string>,
    /** Matching pods per domain, by topology key (hostname constraints read `perNode` instead). */
    readonly counts: Map<string, Map<string, number>>,
    readonly weights: number[],
    readonly perNode: PerNodeCounts[],
  ) {}
  clone(): StateData {
    return this;
  }
}

function hasAllKeys(labels: Record<string, string>, constraints: readonly Constraint[]): boolean {
  for (const c of constraints) if (!(c.topologyKey in labels)) return false;
  return true;
}

/** The required node affinity of the pod (nodeSelector AND required terms); null when it has none. */
function requiredNodeAffinity(pod: PodInfo): NodePredicate | null {
  const spec = pod.pod.spec;
  const pairs = Object.entries(spec?.nodeSelector ?? {});
  const required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms) : undefined;
  if (pairs.length === 0 && !terms) return null;
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
        const resolved: [string, string][] = [];
        // matchLabelKeys: the pod's own values for those keys are ANDed into the selector.
        for (const key of c.matchLabelKeys ?? []) {
          const v = pod.labels?.[key];
          if (v === undefined) continue;
          resolved.push([key, v]);
          const base = selector;
          selector = (l) => base(l) && l?.[key] === v;
        }
        return {
          maxSkew: c.maxSkew,
          topologyKey: c.topologyKey,
          selector,
          selectorKey: JSON.stringify([c.labelSelector ?? null, resolved]),
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
    return defaults.map((c) => ({ maxSkew: c.maxSkew, topologyKey: c.topologyKey, selector: selector.matches, selectorKey: `default\u0000${selector.key}`, minDomains: 1, honorNodeAffinity: true, honorTaints: false }));
  }

  /**
   * Pods per node that count for a constraint (countPodsMatchSelector): in the incoming pod's
   * namespace, not being deleted, selected by the constraint's selector.
   */
  private matching(pod: PodInfo, c: Constraint): PerNodeCounts {
    const ns = pod.namespace;
    const selector = c.selector;
    return this.snapshot.matchingPodsPerNode({
      key: `${POD_TOPOLOGY_SPREAD}\u0000${ns}\u0000${c.selectorKey}`,
      matches: (p) => p.namespace === ns && !p.pod.metadata?.deletionTimestamp && selector(p.labels),
    });
  }

  /** Whether the node counts for a constraint (matchNodeInclusionPolicies). */
  private included(c: Constraint, pod: PodInfo, node: NodeInfo, affinity: NodePredicate | null): boolean {
    if (c.honorNodeAffinity && affinity && !affinity(node.labels, node.name)) return false;
    if (c.honorTaints && findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, (e) => e === 'NoSchedule' || e === 'NoExecute')) return false;
    return true;
  }

  preFilter(state: CycleState, pod: PodInfo): Result {
    const constraints = this.constraints(pod, 'DoNotSchedule');
    if (constraints.length === 0) return SKIP;
    const affinity = requiredNodeAffinity(pod);
    const perNode = constraints.map((c) => this.matching(pod, c));
    const counts = constraints.map(() => new Map<string, number>());
    for (const node of this.snapshot.nodeInfoList()) {
      if (!hasAllKeys(node.labels, constraints)) continue;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        if (!this.included(c, pod, node, affinity)) continue;
        const value = node.labels[c.topologyKey];
        counts[i].set(value, (counts[i].get(value) ?? 0) + (perNode[i].get(node) ?? 0));
      }
    }
    const s = new PreFilterState(constraints, counts, []);
    for (let i = 0; i < constraints.length; i++) s.recomputeMinimum(i);
    state.write(PREFILTER_KEY, s);
    return null;
  }

  private updateWithPod(state: CycleState, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: number): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s || other.namespace !== pod.namespace || !node.node) return null;
    if (!hasAllKeys(node.labels, s.constraints)) return null;
    const affinity = requiredNodeAffinity(pod);
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      if (!c.selector(other.labels) || !this.included(c, pod, node, affinity)) continue;
      const value = node.labels[c.topologyKey];
      s.counts[i].set(value, (s.counts[i].get(value) ?? 0) + delta);
      s.recomputeMinimum(i);
    }
    return null;
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return null;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) return REJECT_LABEL;
      // Fewer domains than minDomains: the global minimum is taken as 0.
      const min = s.counts[i].size < c.minDomains ? 0 : s.minimum[i];
      const self = c.selector(pod.labels) ? 1 : 0;
      const matched = s.counts[i].get(value) ?? 0;
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
    // Domains of the candidate nodes, per topology key (pairs shared by constraints, as Kubernetes' TopologyPairToPodCounts).
    const counts = new Map<string, Map<string, number>>();
    for (const c of constraints) if (c.topologyKey !== HOSTNAME && !counts.has(c.topologyKey)) counts.set(c.topologyKey, new Map());
    for (const node of nodes) {
      if (requireAll && !hasAllKeys(node.labels, constraints)) {
        ignored.add(node.name);
        continue;
      }
      for (const [key, domains] of counts) {
        const value = node.labels[key] ?? '';
        if (!domains.has(value)) domains.set(value, 0);
      }
    }
    const weights = constraints.map((c) => Math.log((c.topologyKey === HOSTNAME ? nodes.length - ignored.size : counts.get(c.topologyKey)!.size) + 2));
    const affinity = requiredNodeAffinity(pod);
    const perNode = constraints.map((c) => this.matching(pod, c));
    for (let i = 0; i < constraints.length; i++) {
      const c = constraints[i];
      const domains = counts.get(c.topologyKey);
      if (!domains) continue;
      // Only nodes holding matching pods can add to a domain's count.
      for (const [node, n] of perNode[i]) {
        if (!node.node || (requireAll && !hasAllKeys(node.labels, constraints)) || !this.included(c, pod, node, affinity)) continue;
        const value = node.labels[c.topologyKey] ?? '';
        const cur = domains.get(value);
        // Domains without a candidate node are skipped here.
        if (cur !== undefined) domains.set(value, cur + n);
      }
    }
    state.write(PRESCORE_KEY, new PreScoreState(constraints, ignored, counts, weights, perNode));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s || s.ignored.has(node.name)) return 0;
    let score = 0;
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i];
      const value = node.labels[c.topologyKey];
      if (value === undefined) continue;
      const cnt = c.topologyKey === HOSTNAME ? (s.perNode[i].get(node) ?? 0) : (s.counts.get(c.topologyKey)?.get(value) ?? 0);
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
