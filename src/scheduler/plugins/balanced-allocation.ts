/**
 * NodeResourcesBalancedAllocation (plugins/noderesources/balanced_allocation.go): prefers nodes
 * whose cpu and memory utilisation would stay close to each other once the pod is placed.
 */
import type { CycleState, StateData } from '../cycle-state.ts';
import type { PluginFactory, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import type { Result } from '../status.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, balanced } from './resource-allocation.ts';
import type { ResourceSpec } from './resource-allocation.ts';

/** Plugin name. */
export const BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';
const PRESCORE_KEY = 'PreScoreNodeResourcesBalancedAllocation';

class PreScoreState implements StateData {
  constructor(readonly podRequests: number[]) {}
  clone(): StateData {
    return this;
  }
}

/** The BalancedAllocation scorer. Uses actual requests (useRequested), not the non-zero defaults. */
export class BalancedAllocation implements PreScorePlugin, ScorePlugin {
  readonly name = BALANCED_ALLOCATION;
  private readonly scorer: ResourceAllocationScorer;

  constructor(args: { resources?: ResourceSpec[] } = {}) {
    this.scorer = new ResourceAllocationScorer(args.resources ?? DEFAULT_RESOURCES, true, balanced);
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    state.write(PRESCORE_KEY, new PreScoreState(this.scorer.podRequests(pod)));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    return this.scorer.score(node, s ? s.podRequests : this.scorer.podRequests(pod));
  }
}

/** Factory for the registry. */
export const newBalancedAllocation: PluginFactory = (args) => new BalancedAllocation(args as { resources?: ResourceSpec[] } | undefined);
