/**
 * FitError (framework.FitError): why a pod fits no node, rendered exactly as kube-scheduler words
 * it in the FailedScheduling event and the PodScheduled condition, e.g.
 * "0/3 nodes are available: 1 node(s) had untolerated taint {a: b}, 2 Insufficient cpu. preemption: ...".
 */
import type { NodeToStatus } from './framework.ts';

/** Message when the cluster has no nodes at all (ErrNoNodesAvailable). */
export const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/** What went wrong in one scheduling attempt (framework.Diagnosis). */
export interface Diagnosis {
  nodeToStatus: NodeToStatus;
  /** The rejecting PreFilter's message; when set, per-node reasons are not repeated. */
  preFilterMsg: string;
  /** The PostFilter (preemption) message, appended last. */
  postFilterMsg: string;
  /** Plugins that rejected the pod (drives requeueing on cluster events). */
  unschedulablePlugins: Set<string>;
}

/** A pod that fits no node. */
export class FitError extends Error {
  constructor(
    readonly numAllNodes: number,
    readonly diagnosis: Diagnosis,
  ) {
    // No message argument: Error would otherwise define an own `message` shadowing the getter.
    super();
    this.name = 'FitError';
  }

  /** The Kubernetes message; computed on demand because the PostFilter message arrives later. */
  override get message(): string {
    return fitErrorMessage(this.numAllNodes, this.diagnosis);
  }
  override set message(_v: string) {
    // Error's constructor assigns message; the rendered text is always derived.
  }
}

/**
 * Renders a FitError: "0/N nodes are available:" then the PreFilter message, or else the per-reason
 * node counts ("<count> <reason>", sorted as strings, joined by ", "), each section ending with
 * ".", then the PostFilter message the same way.
 */
export function fitErrorMessage(numAllNodes: number, d: Diagnosis): string {
  let msg = `0/${numAllNodes} nodes are available:`;
  if (d.preFilterMsg) msg += ` ${d.preFilterMsg}.`;
  else {
    const counts = new Map<string, number>();
    for (const s of d.nodeToStatus.statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
    const absent = numAllNodes - d.nodeToStatus.statuses.size;
    if (absent > 0 && d.nodeToStatus.absent) for (const r of d.nodeToStatus.absent.reasons) counts.set(r, (counts.get(r) ?? 0) + absent);
    const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
    if (parts.length) msg += ` ${parts.join(', ')}.`;
  }
  if (d.postFilterMsg) msg += ` ${d.postFilterMsg}.`;
  return msg;
}
