/**
 * TaintToleration (plugins/tainttoleration): Filter rejects nodes with a NoSchedule or NoExecute
 * taint the pod does not tolerate; Score prefers nodes with fewer untolerated PreferNoSchedule taints.
 */
import type { V1Toleration } from '@kubernetes/client-node';
import type { CycleState, StateData } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, PluginFactory, PreScorePlugin, ScorePlugin } from '../framework.ts';
import { defaultNormalizeScore, findUntoleratedTaint, tolerationsTolerate } from '../helpers.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const TAINT_TOLERATION = 'TaintToleration';
const STATE_KEY = 'PreScoreTaintToleration';

const isFilterEffect = (e: string): boolean => e === 'NoSchedule' || e === 'NoExecute';

class PreScoreState implements StateData {
  constructor(readonly tolerations: V1Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** The TaintToleration filter and scorer. */
export class TaintToleration implements FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = TAINT_TOLERATION;

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    if (node.taints.length === 0) return null;
    const taint = findUntoleratedTaint(node.taints, pod.pod.spec?.tolerations, isFilterEffect);
    if (!taint) return null;
    // Kubernetes prints the taint as {key: value} (an empty value leaves "{key: }").
    return newStatus(Code.UnschedulableAndUnresolvable, `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`, TAINT_TOLERATION);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    // Only tolerations with an empty effect or PreferNoSchedule matter for scoring (getAllTolerationPreferNoSchedule).
    const tolerations = (pod.pod.spec?.tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    state.write(STATE_KEY, new PreScoreState(tolerations));
    return null;
  }

  score(state: CycleState, _pod: PodInfo, node: NodeInfo): number {
    if (node.taints.length === 0) return 0;
    const tolerations = state.read<PreScoreState>(STATE_KEY)?.tolerations ?? [];
    let count = 0;
    for (const taint of node.taints) {
      if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerate(tolerations, taint)) count++;
    }
    return count;
  }

  normalizeScore(_state: CycleState, _pod: PodInfo, scores: Float64Array, count: number): void {
    defaultNormalizeScore(scores, count, true);
  }

  eventsToRegister(): ClusterEvent[] {
    return ['NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newTaintToleration: PluginFactory = () => new TaintToleration();
