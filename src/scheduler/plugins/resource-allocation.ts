/**
 * The scoring core NodeResourcesFit and NodeResourcesBalancedAllocation share
 * (noderesources.resourceAllocationScorer): per configured resource, the node's allocatable and
 * what would be requested with the pod placed, fed to a strategy function.
 */
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import { CPU, EPHEMERAL_STORAGE, MEMORY } from '../resources.ts';

/** A resource and its weight in the score (config.ResourceSpec). */
export interface ResourceSpec {
  name: string;
  weight: number;
}

/** cpu and memory, weight 1 each: the default of both plugins' args. */
export const DEFAULT_RESOURCES: ResourceSpec[] = [{ name: CPU, weight: 1 }, { name: MEMORY, weight: 1 }];

/** A strategy: from requested and allocatable per resource (0 allocatable = not scored) to a node score. */
export type Scorer = (requested: Float64Array, allocatable: Float64Array, weights: readonly number[]) => number;

/** Scores nodes for one strategy; reuses its buffers, so it is not reentrant (one event loop). */
export class ResourceAllocationScorer {
  private readonly requested: Float64Array;
  private readonly allocatable: Float64Array;
  private readonly weights: number[];

  /**
   * @param useRequested true scores against actual requests (BalancedAllocation); false against the
   *   non-zero requests with 100m / 200Mi defaults (NodeResourcesFit).
   */
  constructor(readonly resources: readonly ResourceSpec[], private readonly useRequested: boolean, private readonly scorer: Scorer) {
    this.requested = new Float64Array(resources.length);
    this.allocatable = new Float64Array(resources.length);
    this.weights = resources.map((r) => r.weight);
  }

  /** The pod's request of each configured resource. */
  podRequests(pod: PodInfo): number[] {
    return this.resources.map((r) => {
      switch (r.name) {
        case CPU: return this.useRequested ? pod.requests.milliCPU : pod.nonZeroMilliCPU;
        case MEMORY: return this.useRequested ? pod.requests.memory : pod.nonZeroMemory;
        case EPHEMERAL_STORAGE: return pod.requests.ephemeralStorage;
        default: return pod.requests.getScalar(r.name);
      }
    });
  }

  /** The node's score given the pod's requests from podRequests(). */
  score(node: NodeInfo, podReq: readonly number[]): number {
    const req = this.requested;
    const alloc = this.allocatable;
    for (let i = 0; i < this.resources.length; i++) {
      const name = this.resources[i].name;
      let a: number;
      let r: number;
      if (name === CPU) {
        a = node.allocatable.milliCPU;
        r = (this.useRequested ? node.requested.milliCPU : node.nonZeroMilliCPU) + podReq[i];
      } else if (name === MEMORY) {
        a = node.allocatable.memory;
        r = (this.useRequested ? node.requested.memory : node.nonZeroMemory) + podReq[i];
      } else if (name === EPHEMERAL_STORAGE) {
        a = node.allocatable.ephemeralStorage;
        r = node.requested.ephemeralStorage + podReq[i];
      } else if (podReq[i] === 0) {
        // An extended resource the pod does not request is left out of the score.
        a = 0;
        r = 0;
      } else {
        a = node.allocatable.getScalar(name);
        r = node.requested.getScalar(name) + podReq[i];
      }
      alloc[i] = a;
      req[i] = a === 0 ? 0 : r;
    }
    return this.scorer(req, alloc, this.weights);
  }
}

/** LeastAllocated: (allocatable - requested) * 100 / allocatable per resource, weighted mean (integer math as Go). */
export const leastAllocated: Scorer = (requested, allocatable, weights) => {
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i];
    if (cap === 0) continue;
    const r = requested[i];
    score += (r > cap ? 0 : Math.trunc(((cap - r) * 100) / cap)) * weights[i];
    weightSum += weights[i];
  }
  return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
};

/** MostAllocated: requested * 100 / allocatable per resource (requested capped at allocatable), weighted mean. */
export const mostAllocated: Scorer = (requested, allocatable, weights) => {
  let score = 0;
  let weightSum = 0;
  for (let i = 0; i < requested.length; i++) {
    const cap = allocatable[i];
    if (cap === 0) continue;
    const r = Math.min(requested[i], cap);
    score += Math.trunc((r * 100) / cap) * weights[i];
    weightSum += weights[i];
  }
  return weightSum === 0 ? 0 : Math.trunc(score / weightSum);
};

/** Balanced: (1 - standard deviation of requested/allocatable fractions) * 100 (balancedResourceScorer). */
export const balanced: Scorer = (requested, allocatable) => {
  let n = 0;
  let total = 0;
  let first = 0;
  let second = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i] / allocatable[i], 1);
    if (n === 0) first = f;
    else if (n === 1) second = f;
    total += f;
    n++;
  }
  let std = 0;
  if (n === 2) std = Math.abs((first - second) / 2);
  else if (n > 2) {
    const mean = total / n;
    let sum = 0;
    for (let i = 0; i < requested.length; i++) {
      if (allocatable[i] === 0) continue;
      const f = Math.min(requested[i] / allocatable[i], 1);
      sum += (f - mean) * (f - mean);
    }
    std = Math.sqrt(sum / n);
  }
  return Math.trunc((1 - std) * 100);
};
