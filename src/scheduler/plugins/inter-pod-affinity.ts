/**
 * InterPodAffinity (plugins/interpodaffinity): required pod affinity and anti-affinity of the
 * incoming pod, the required anti-affinity of pods already running, and scoring by preferred terms
 * (both the incoming pod's and the existing pods'), all counted per topology domain
 * (topologyKey=value of the node).
 */
import type { CycleState, StateData } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, Handle, PluginFactory, PreFilterExtensions, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import { MAX_NODE_SCORE } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { ExistingTerm, PerNodeCounts, PodMatcher } from '../pod-count-index.ts';
import { termMatches } from '../pod-info.ts';
import type { AffinityTerm, PodInfo } from '../pod-info.ts';
import type { Snapshot } from '../snapshot.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const INTER_POD_AFFINITY = 'InterPodAffinity';
/** Kubernetes' reason texts. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

const PREFILTER_KEY = 'PreFilterInterPodAffinity';
const PRESCORE_KEY = 'PreScoreInterPodAffinity';
const SKIP = newStatus(Code.Skip, undefined, INTER_POD_AFFINITY);
const REJECT_AFFINITY = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_AFFINITY, INTER_POD_AFFINITY);
const REJECT_ANTI = newStatus(Code.Unschedulable, ERR_REASON_ANTI_AFFINITY, INTER_POD_AFFINITY);
const REJECT_EXISTING = newStatus(Code.Unschedulable, ERR_REASON_EXISTING_ANTI_AFFINITY, INTER_POD_AFFINITY);

/**
 * Counts per topology pair: topologyKey -> value -> count. Zero entries are deleted, so `size`
 * tells whether any pair is counted (Kubernetes' topologyToMatchedTermCount).
 */
class TopologyCounts {
  readonly byKey = new Map<string, Map<string, number>>();
  size = 0;

  get(key: string, value: string): number {
    return this.byKey.get(key)?.get(value) ?? 0;
  }

  bump(key: string, value: string, delta: number): void {
    let values = this.byKey.get(key);
    if (!values) this.byKey.set(key, (values = new Map()));
    const before = values.get(value);
    const v = (before ?? 0) + delta;
    if (v === 0) {
      if (before !== undefined) {
        values.delete(value);
        this.size--;
        if (values.size === 0) this.byKey.delete(key);
      }
    } else {
      if (before === undefined) this.size++;
      values.set(value, v);
    }
  }

  clone(): TopologyCounts {
    const c = new TopologyCounts();
    for (const [k, values] of this.byKey) c.byKey.set(k, new Map(values));
    c.size = this.size;
    return c;
  }
}

class PreFilterState implements StateData {
  constructor(
    readonly pod: PodInfo,
    readonly nsLabels: Record<string, string> | undefined,
    /** Existing pods' required anti-affinity terms that select the incoming pod, per topology pair. */
    readonly existingAntiAffinity: TopologyCounts,
    /** Pods matching all the incoming pod's required affinity terms, per topology pair. */
    readonly affinity: TopologyCounts,
    /** Pods matching the incoming pod's required anti-affinity terms, per topology pair. */
    readonly antiAffinity: TopologyCounts,
  ) {}
  clone(): PreFilterState {
    return new PreFilterState(this.pod, this.nsLabels, this.existingAntiAffinity.clone(), this.affinity.clone(), this.antiAffinity.clone());
  }
}

class PreScoreState implements StateData {
  constructor(readonly topologyScore: Map<string, Map<string, number>>) {}
  clone(): StateData {
    return this;
  }
}

/**
 * Adds `weight` x the per-node count to the domain (the node's value of `topologyKey`) of every node
 * that still exists. A node without the key contributes nothing.
 */
function addPerNode(m: TopologyCounts, topologyKey: string, counts: PerNodeCounts, weight: number): void {
  for (const [node, n] of counts) {
    if (!node.node) continue;
    const v = node.labels[topologyKey];
    if (v !== undefined) m.bump(topologyKey, v, n * weight);
  }
}

/** The scoring weight of an existing pod's term (processExistingPod): 0 when it does not score. */
function existingWeight(e: ExistingTerm, hardPodAffinityWeight: number): number {
  switch (e.kind) {
    case 'requiredAffinity':
      return hardPodAffinityWeight;
    case 'preferredAffinity':
      return e.weight;
    case 'preferredAntiAffinity':
      return -e.weight;
    default:
      return 0;
  }
}

/** Whether `pod` matches every term (podMatchesAllAffinityTerms); false for no terms. */
function matchesAllTerms(terms: readonly AffinityTerm[], pod: PodInfo, nsLabels: Record<string, string> | undefined): boolean {
  if (terms.length === 0) return false;
  for (const t of terms) if (!termMatches(t, pod, nsLabels)) return false;
  return true;
}

/** The InterPodAffinity filter and scorer. */
export class InterPodAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = INTER_POD_AFFINITY;
  private readonly snapshot: Snapshot;
  /** Weight of existing pods' required affinity terms in scoring (args.hardPodAffinityWeight, default 1). */
  private readonly hardPodAffinityWeight: number;
  private readonly ignorePreferredTermsOfExistingPods: boolean;

  constructor(handle: Handle, args: { hardPodAffinityWeight?: number; ignorePreferredTermsOfExistingPods?: boolean } = {}) {
    this.snapshot = handle.snapshot;
    this.hardPodAffinityWeight = args.hardPodAffinityWeight ?? 1;
    this.ignorePreferredTermsOfExistingPods = args.ignorePreferredTermsOfExistingPods ?? false;
  }

  readonly preFilterExtensions: PreFilterExtensions = {
    addPod: (state, _pod, toAdd, node) => this.updateWithPod(state, toAdd, node, 1),
    removePod: (state, _pod, toRemove, node) => this.updateWithPod(state, toRemove, node, -1),
  };

  private nsLabelsOf(p: PodInfo): Record<string, string> | undefined {
    return this.snapshot.namespaceLabelsOf(p.namespace);
  }

  preFilter(state: CycleState, pod: PodInfo): Result {
    const nsLabels = this.nsLabelsOf(pod);
    const existingAnti = new TopologyCounts();
    // Each distinct anti-affinity term of the existing pods is checked once against the incoming pod.
    for (const e of this.snapshot.existingPodTerms()) {
      if (e.kind !== 'requiredAntiAffinity' || !termMatches(e.term, pod, nsLabels)) continue;
      addPerNode(existingAnti, e.term.topologyKey, e.counts, 1);
    }
    const affinity = new TopologyCounts();
    const anti = new TopologyCounts();
    const terms = pod.requiredAffinityTerms;
    if (terms.length > 0) {
      // Pods matching all the terms count in every term's domain (podMatchesAllAffinityTerms).
      const counts = this.snapshot.matchingPodsPerNode(this.matcher('all', terms, (p) => matchesAllTerms(terms, p, this.nsLabelsOf(p))));
      for (const t of terms) addPerNode(affinity, t.topologyKey, counts, 1);
    }
    for (const t of pod.requiredAntiAffinityTerms) addPerNode(anti, t.topologyKey, this.termCounts(t), 1);
    if (existingAnti.size === 0 && terms.length === 0 && pod.requiredAntiAffinityTerms.length === 0) return SKIP;
    state.write(PREFILTER_KEY, new PreFilterState(pod, nsLabels, existingAnti, affinity, anti));
    return null;
  }

  /** Existing pods selected by one term of the incoming pod, per node. */
  private termCounts(t: AffinityTerm): PerNodeCounts {
    return this.snapshot.matchingPodsPerNode(this.matcher('one', [t], (p) => termMatches(t, p, this.nsLabelsOf(p))));
  }

  private matcher(kind: string, terms: readonly AffinityTerm[], matches: (p: PodInfo) => boolean): PodMatcher {
    let key = `${INTER_POD_AFFINITY}\u0000${kind}`;
    for (const t of terms) key += `\u0000${t.key}`;
    return { key, matches };
  }

  /** For each term selecting `target`, adds `delta` to the node's domain of the term's topology key. */
  private countAnti(m: TopologyCounts, terms: readonly AffinityTerm[], target: PodInfo, nsLabels: Record<string, string> | undefined, node: NodeInfo, delta: number): void {
    for (const t of terms) {
      if (!termMatches(t, target, nsLabels)) continue;
      const v = node.labels[t.topologyKey];
      if (v !== undefined) m.bump(t.topologyKey, v, delta);
    }
  }

  /** When `target` matches all terms, adds `delta` to the node's domain of every term's topology key. */
  private countAffinity(m: TopologyCounts, terms: readonly AffinityTerm[], target: PodInfo, nsLabels: Record<string, string> | undefined, node: NodeInfo, delta: number): void {
    if (!matchesAllTerms(terms, target, nsLabels)) return;
    for (const t of terms) {
      const v = node.labels[t.topologyKey];
      if (v !== undefined) m.bump(t.topologyKey, v, delta);
    }
  }

  private updateWithPod(state: CycleState, p: PodInfo, node: NodeInfo, delta: number): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return null;
    this.countAnti(s.existingAntiAffinity, p.requiredAntiAffinityTerms, s.pod, s.nsLabels, node, delta);
    const pNs = this.nsLabelsOf(p);
    this.countAffinity(s.affinity, s.pod.requiredAffinityTerms, p, pNs, node, delta);
    this.countAnti(s.antiAffinity, s.pod.requiredAntiAffinityTerms, p, pNs, node, delta);
    return null;
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Result {
    const s = state.read<PreFilterState>(PREFILTER_KEY);
    if (!s) return null;
    if (!this.satisfiesAffinity(s, node)) return REJECT_AFFINITY;
    if (s.antiAffinity.size > 0) {
      for (const t of s.pod.requiredAntiAffinityTerms) {
        const v = node.labels[t.topologyKey];
        if (v !== undefined && s.antiAffinity.get(t.topologyKey, v) > 0) return REJECT_ANTI;
      }
    }
    if (s.existingAntiAffinity.size > 0) {
      // Look up the node's own value for each counted key (few keys, many values).
      for (const [key, values] of s.existingAntiAffinity.byKey) {
        const v = node.labels[key];
        if (v !== undefined && (values.get(v) ?? 0) > 0) return REJECT_EXISTING;
      }
    }
    return null;
  }

  /** satisfyPodAffinity, including the exception for the first pod of a group with affinity to itself. */
  private satisfiesAffinity(s: PreFilterState, node: NodeInfo): boolean {
    let podsExist = true;
    for (const t of s.pod.requiredAffinityTerms) {
      const v = node.labels[t.topologyKey];
      // Every topology key must exist on the node.
      if (v === undefined) return false;
      if (s.affinity.get(t.topologyKey, v) <= 0) podsExist = false;
    }
    if (podsExist) return true;
    return s.affinity.size === 0 && matchesAllTerms(s.pod.requiredAffinityTerms, s.pod, s.nsLabels);
  }

  preScore(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result {
    if (nodes.length === 0) return null;
    const hasConstraints = pod.preferredAffinityTerms.length > 0 || pod.preferredAntiAffinityTerms.length > 0;
    if (this.ignorePreferredTermsOfExistingPods && !hasConstraints) return SKIP;
    const nsLabels = this.nsLabelsOf(pod);
    const scores = new TopologyCounts();
    // The incoming pod's preferred terms, over the existing pods they select.
    for (const t of pod.preferredAffinityTerms) addPerNode(scores, t.topologyKey, this.termCounts(t), t.weight);
    for (const t of pod.preferredAntiAffinityTerms) addPerNode(scores, t.topologyKey, this.termCounts(t), -t.weight);
    // The existing pods' terms that select the incoming pod (required affinity at hardPodAffinityWeight).
    for (const e of this.snapshot.existingPodTerms()) {
      const weight = existingWeight(e, this.hardPodAffinityWeight);
      if (weight === 0 || !termMatches(e.term, pod, nsLabels)) continue;
      addPerNode(scores, e.term.topologyKey, e.counts, weight);
    }
    if (scores.size === 0) return SKIP;
    state.write(PRESCORE_KEY, new PreScoreState(scores.byKey));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    if (!s) return 0;
    let total = 0;
    for (const [key, byValue] of s.topologyScore) {
      const v = node.labels[key];
      if (v !== undefined) total += byValue.get(v) ?? 0;
    }
    return total;
  }

  /** Min-max scaling to [0, 100] (scores may be negative from anti-affinity). */
  normalizeScore(state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    if (!state.read<PreScoreState>(PRESCORE_KEY)) return;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < count; i++) {
      if (scores[i] > max) max = scores[i];
      if (scores[i] < min) min = scores[i];
    }
    const diff = max - min;
    for (let i = 0; i < count; i++) scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i] - min) / diff)) : 0;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodAdd', 'AssignedPodUpdate', 'AssignedPodDelete', 'NodeAdd', 'NodeUpdate', 'NamespaceAdd', 'NamespaceUpdate', 'UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newInterPodAffinity: PluginFactory = (args, handle) => new InterPodAffinity(handle, args as { hardPodAffinityWeight?: number } | undefined);
