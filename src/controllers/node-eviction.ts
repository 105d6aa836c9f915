import type { KubeObject } from '../api/object.ts';
import { matchingTolerations, minTolerationMs, type Taint, type Toleration } from './node-taints.ts';

/** The parts of a Pod the node controllers read. */
export interface PodObject extends KubeObject {
  spec?: { nodeName?: string; tolerations?: Toleration[]; [field: string]: unknown };
  status?: { phase?: string; conditions?: { type: string; status: string; [field: string]: unknown }[]; [field: string]: unknown };
}

/** What the taint eviction pass decided for one node. */
export interface EvictionPlan {
  /** Pods to delete now. */
  evict: PodObject[];
  /** Pods whose scheduled eviction was called off (the taint went away or became tolerated). */
  cancelled: PodObject[];
  /** Ms until the next scheduled eviction on this node falls due; undefined when none is pending. */
  recheckAfterMs?: number;
}

interface Scheduled {
  uid: string | undefined;
  node: string;
  createdAt: number;
}

/** `namespace/name` of a pod, the form the taint eviction controller names pods in its events. */
export function podKey(pod: PodObject): string {
  return `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
}

/**
 * The taint eviction controller's bookkeeping (pkg/controller/tainteviction): for the pods on a
 * node with NoExecute taints, a pod that does not tolerate every one is evicted at once; a pod
 * whose matching tolerations all carry tolerationSeconds is evicted that many seconds (the
 * smallest) after the controller first saw it exposed; a toleration without tolerationSeconds lets
 * it stay. Like Kubernetes, the start time lives in memory: a restarted controller starts the
 * countdown again.
 */
export class TaintEvictionTracker {
  private readonly scheduled = new Map<string, Scheduled>();

  /** Decides evictions for the pods currently on `nodeName` under the node's taints. */
  plan(nodeName: string, taints: readonly Taint[], pods: readonly PodObject[], now: number): EvictionPlan {
    const noExecute = taints.filter((t) => t.effect === 'NoExecute');
    const plan: EvictionPlan = { evict: [], cancelled: [] };
    const exposed = new Set<string>();
    for (const pod of pods) {
      const key = podKey(pod);
      if (pod.metadata.deletionTimestamp) {
        // Already being deleted: nothing left to schedule or cancel.
        this.scheduled.delete(key);
        exposed.add(key);
        continue;
      }
      if (noExecute.length === 0) continue;
      const { tolerated, used } = matchingTolerations(noExecute, pod.spec?.tolerations);
      if (!tolerated) {
        exposed.add(key);
        plan.evict.push(pod);
        continue;
      }
      const stayMs = minTolerationMs(used);
      if (stayMs < 0) continue;
      exposed.add(key);
      const entry = this.entryFor(key, pod, nodeName, now);
      const due = entry.createdAt + stayMs;
      if (now >= due) plan.evict.push(pod);
      else plan.recheckAfterMs = Math.min(plan.recheckAfterMs ?? Infinity, due - now);
    }
    this.cancelOthers(nodeName, pods, exposed, plan);
    return plan;
  }

  /** Forgets every pending eviction on a deleted node. */
  forgetNode(nodeName: string): void {
    for (const [key, entry] of this.scheduled) if (entry.node === nodeName) this.scheduled.delete(key);
  }

  /** How many evictions are pending (for tests and metrics). */
  get pending(): number {
    return this.scheduled.size;
  }

  private entryFor(key: string, pod: PodObject, nodeName: string, now: number): Scheduled {
    const existing = this.scheduled.get(key);
    if (existing && existing.uid === pod.metadata.uid && existing.node === nodeName) return existing;
    const entry = { uid: pod.metadata.uid, node: nodeName, createdAt: now };
    this.scheduled.set(key, entry);
    return entry;
  }

  private cancelOthers(nodeName: string, pods: readonly PodObject[], exposed: Set<string>, plan: EvictionPlan): void {
    for (const [key, entry] of this.scheduled) {
      if (entry.node !== nodeName || exposed.has(key)) continue;
      this.scheduled.delete(key);
      const pod = pods.find((p) => podKey(p) === key && p.metadata.uid === entry.uid);
      if (pod) plan.cancelled.push(pod);
    }
  }
}
