/**
 * NodeAffinity (plugins/nodeaffinity): Filter requires spec.nodeSelector and the required node
 * affinity terms to match; Score sums the weights of matching preferred terms. Terms that pin
 * metadata.name with In narrow the candidate nodes in PreFilter.
 */
import type { CycleState, StateData } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, PluginFactory, PreFilterPlugin, PreFilterResult, PreScorePlugin, ScorePlugin } from '../framework.ts';
import { defaultNormalizeScore } from '../helpers.ts';
import { compileNodeSelectorTerm, compileNodeSelectorTerms } from '../label-selector.ts';
import type { NodePredicate } from '../label-selector.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const NODE_AFFINITY = 'NodeAffinity';
/** Kubernetes' reason text (ErrReasonPod). */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
/** Reason when every term pins conflicting node names (errReasonConflict). */
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

const PREFILTER_KEY = 'PreFilterNodeAffinity';
const PRESCORE_KEY = 'PreScoreNodeAffinity';
const REJECT = newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_POD, NODE_AFFINITY);
const SKIP = newStatus(Code.Skip, undefined, NODE_AFFINITY);

class RequiredState implements StateData {
  constructor(readonly match: NodePredicate) {}
  clone(): StateData {
    return this;
  }
}

class PreferredState implements StateData {
  constructor(readonly terms: { weight: number; match: NodePredicate }[]) {}
  clone(): StateData {
    return this;
  }
}

/** nodeSelector (all pairs) AND required affinity terms (any term), as nodeaffinity.GetRequiredNodeAffinity. */
function requiredMatcher(pod: PodInfo): NodePredicate {
  const selector = pod.pod.spec?.nodeSelector;
  const required = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = required ? compileNodeSelectorTerms(required.nodeSelectorTerms) : undefined;
  const pairs = selector ? Object.entries(selector) : [];
  return (labels, name) => {
    for (const [k, v] of pairs) if (labels?.[k] !== v) return false;
    return terms ? terms(labels, name) : true;
  };
}

/** Node names pinned by matchFields metadata.name In in every term; undefined when some term allows any node. */
function pinnedNodeNames(pod: PodInfo): Set<string> | undefined {
  const terms = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return undefined;
  let union: Set<string> | undefined;
  for (const t of terms) {
    let names: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      names = names ? new Set([...names].filter((n) => s.has(n))) : s;
    }
    // A term without a name pin admits any node: the terms are ORed.
    if (!names) return undefined;
    union = new Set([...(union ?? []), ...names]);
  }
  return union;
}

/** The NodeAffinity filter and scorer. */
export class NodeAffinity implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_AFFINITY;

  preFilter(state: CycleState, pod: PodInfo): Result | PreFilterResult {
    const spec = pod.pod.spec;
    if (!spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution && !spec?.nodeSelector) return SKIP;
    state.write(PREFILTER_KEY, new RequiredState(requiredMatcher(pod)));
    const names = pinnedNodeNames(pod);
    if (!names) return null;
    if (names.size === 0) return newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_CONFLICT, NODE_AFFINITY);
    return { nodeNames: names };
  }

  filter(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const s = state.read<RequiredState>(PREFILTER_KEY);
    const match = s ? s.match : requiredMatcher(pod);
    return match(node.labels, node.name) ? null : REJECT;
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    const preferred = pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const terms: { weight: number; match: NodePredicate }[] = [];
    for (const t of preferred) {
      // Zero-weight and empty terms never score (newPreferredSchedulingTerms).
      const match = t.weight ? compileNodeSelectorTerm(t.preference) : undefined;
      if (match) terms.push({ weight: t.weight, match });
    }
    if (terms.length === 0) return SKIP;
    state.write(PRESCORE_KEY, new PreferredState(terms));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    const terms = state.read<PreferredState>(PRESCORE_KEY)?.terms ?? [];
    let total = 0;
    for (const t of terms) if (t.match(node.labels, node.name)) total += t.weight;
    return total;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalizeScore(scores, count, false);
  }

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newNodeAffinity: PluginFactory = () => new NodeAffinity();
