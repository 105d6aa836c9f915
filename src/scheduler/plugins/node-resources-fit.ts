/**
 * NodeResourcesFit (plugins/noderesources/fit.go): Filter checks the pod's requests (cpu, memory,
 * ephemeral-storage, extended resources) and the pod count against what the node has left; Score
 * ranks nodes by the LeastAllocated (default) or MostAllocated strategy.
 */
import type { CycleState, StateData } from '../cycle-state.ts';
import type { ClusterEvent, FilterPlugin, PluginFactory, PreFilterPlugin, PreScorePlugin, ScorePlugin } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, Status } from '../status.ts';
import type { Result } from '../status.ts';
import { DEFAULT_RESOURCES, ResourceAllocationScorer, leastAllocated, mostAllocated } from './resource-allocation.ts';
import type { ResourceSpec } from './resource-allocation.ts';

/** Plugin name. */
export const NODE_RESOURCES_FIT = 'NodeResourcesFit';
const PRESCORE_KEY = 'PreScoreNodeResourcesFit';

/** Arguments (NodeResourcesFitArgs.scoringStrategy). */
export interface NodeResourcesFitArgs {
  scoringStrategy?: { type?: 'LeastAllocated' | 'MostAllocated'; resources?: ResourceSpec[] };
}

class PreScoreState implements StateData {
  constructor(readonly podRequests: number[]) {}
  clone(): StateData {
    return this;
  }
}

/**
 * The reasons a pod does not fit a node (fitsRequest), in Kubernetes' order: "Too many pods",
 * then "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage", then each
 * extended resource. Empty when it fits.
 */
export function insufficientResources(pod: PodInfo, node: NodeInfo): string[] {
  const out: string[] = [];
  const req = pod.requests;
  if (node.pods.length + 1 > node.allocatable.allowedPodNumber) out.push('Too many pods');
  if (req.milliCPU === 0 && req.memory === 0 && req.ephemeralStorage === 0 && !req.scalar?.size) return out;
  const a = node.allocatable;
  const used = node.requested;
  if (req.milliCPU > 0 && req.milliCPU > a.milliCPU - used.milliCPU) out.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > a.memory - used.memory) out.push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage) out.push('Insufficient ephemeral-storage');
  if (req.scalar) {
    for (const [name, q] of req.scalar) {
      if (q === 0) continue;
      if (q > a.getScalar(name) - used.getScalar(name)) out.push(`Insufficient ${name}`);
    }
  }
  return out;
}

/** The NodeResourcesFit filter and scorer. */
export class NodeResourcesFit implements PreFilterPlugin, FilterPlugin, PreScorePlugin, ScorePlugin {
  readonly name = NODE_RESOURCES_FIT;
  private readonly scorer: ResourceAllocationScorer;

  constructor(args: NodeResourcesFitArgs = {}) {
    const strategy = args.scoringStrategy?.type ?? 'LeastAllocated';
    const resources = args.scoringStrategy?.resources ?? DEFAULT_RESOURCES;
    this.scorer = new ResourceAllocationScorer(resources, false, strategy === 'MostAllocated' ? mostAllocated : leastAllocated);
  }

  preFilter(): Result {
    // The requests are precomputed on the PodInfo; nothing more to derive per cycle.
    return null;
  }

  filter(_state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const req = pod.requests;
    const a = node.allocatable;
    const used = node.requested;
    // Fast path for the common case: everything fits.
    if (
      node.pods.length + 1 <= a.allowedPodNumber &&
      req.milliCPU <= a.milliCPU - used.milliCPU &&
      req.memory <= a.memory - used.memory &&
      req.ephemeralStorage <= a.ephemeralStorage - used.ephemeralStorage &&
      !req.scalar
    ) return null;
    const reasons = insufficientResources(pod, node);
    return reasons.length ? new Status(Code.Unschedulable, reasons, NODE_RESOURCES_FIT) : null;
  }

  preScore(state: CycleState, pod: PodInfo): Result {
    state.write(PRESCORE_KEY, new PreScoreState(this.scorer.podRequests(pod)));
    return null;
  }

  score(state: CycleState, pod: PodInfo, node: NodeInfo): number {
    const s = state.read<PreScoreState>(PRESCORE_KEY);
    return this.scorer.score(node, s ? s.podRequests : this.scorer.podRequests(pod));
  }

  eventsToRegister(): ClusterEvent[] {
    return ['AssignedPodDelete', 'AssignedPodUpdate', 'NodeAdd', 'NodeUpdate', 'UnscheduledPodUpdate'];
  }
}

/** Factory for the registry. */
export const newNodeResourcesFit: PluginFactory = (args) => new NodeResourcesFit(args as NodeResourcesFitArgs | undefined);
