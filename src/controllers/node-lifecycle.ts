import { cloneJson, jsonEqual, nowTimestamp } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import { NodeHealthTracker, readyCondition, type LeaseObject, type NodeHealthOptions, type NodeObject } from './node-health.ts';
import { TaintEvictionTracker, podKey, type PodObject } from './node-eviction.ts';
import {
  CONDITION_TAINT_KEYS,
  TAINT_DISK_PRESSURE,
  TAINT_MEMORY_PRESSURE,
  TAINT_NETWORK_UNAVAILABLE,
  TAINT_NOT_READY,
  TAINT_PID_PRESSURE,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  reconcileTaints,
  type Taint,
} from './node-taints.ts';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const LEASES = findResource('coordination.k8s.io', 'v1', 'leases')!;
/** Kubelets renew their heartbeat Lease in this namespace, named after the node. */
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
/** Index of the pods cache by spec.nodeName. */
export const POD_NODE_NAME_INDEX = 'spec.nodeName';

/** Options of the node lifecycle controller. */
export interface NodeLifecycleOptions extends NodeHealthOptions {
  /** Clock in ms (tests pass a fake one). */
  now?: () => number;
}

/** Conditions (status True) that put a NoSchedule taint on the node (TaintNodesByCondition). */
const CONDITION_TAINTS: Record<string, string> = {
  MemoryPressure: TAINT_MEMORY_PRESSURE,
  DiskPressure: TAINT_DISK_PRESSURE,
  PIDPressure: TAINT_PID_PRESSURE,
  NetworkUnavailable: TAINT_NETWORK_UNAVAILABLE,
};

/**
 * The node lifecycle controller, with taint-based eviction folded in (Kubernetes runs the
 * node-lifecycle-controller and the taint-eviction-controller side by side). Keyed by node name,
 * it wakes on Node, Lease (kube-node-lease) and Pod changes, and on each reconcile:
 * 1. judges the node's health from its Lease renewals and Ready heartbeats (NodeHealthTracker):
 *    past the grace period the conditions become Unknown ("Kubelet stopped posting node status."),
 *    the node gets a `NodeNotReady` event and its pods' Ready condition turns False ("NodeNotReady");
 * 2. keeps the controller-owned taints in line with the conditions: not-ready/unreachable NoExecute
 *    (with timeAdded) for Ready False/Unknown, and the NoSchedule taints of TaintNodesByCondition
 *    (not-ready, unreachable, memory/disk/pid-pressure, network-unavailable, unschedulable);
 * 3. evicts pods that do not tolerate a NoExecute taint at once, and tolerating pods after their
 *    tolerationSeconds, requeueing itself for the next deadline ("TaintManagerEviction" events,
 *    a DisruptionTarget pod condition, then a delete).
 * Left out: the zone-based eviction rate limits and the full-disruption mode.
 */
export function nodeLifecycleController(opts: NodeLifecycleOptions = {}): Controller {
  const now = opts.now ?? Date.now;
  const health = new NodeHealthTracker(opts);
  const evictions = new TaintEvictionTracker();
  return {
    name: 'node-lifecycle-controller',
    watches: [
      { resource: NODES },
      { resource: LEASES, map: (lease) => (lease.metadata.namespace === NODE_LEASE_NAMESPACE ? [lease.metadata.name!] : []) },
      { resource: PODS, map: (pod) => nodeNameOf(pod as PodObject), indexers: { [POD_NODE_NAME_INDEX]: (pod) => nodeNameOf(pod as PodObject) } },
    ],
    async reconcile(ctx, name) {
      const cached = ctx.listers.get<NodeObject>(NODES).get(undefined, name);
      if (!cached) {
        health.forget(name);
        evictions.forgetNode(name);
        return;
      }
      const lease = ctx.listers.get<LeaseObject>(LEASES).get(NODE_LEASE_NAMESPACE, name);
      const pods = ctx.listers.get<PodObject>(PODS).byIndex(POD_NODE_NAME_INDEX, name);
      const t = now();
      const verdict = health.observe(cached, lease, t);
      let node = cached;
      if (verdict.conditions) node = await markSilent(ctx, node, verdict.conditions);
      if (readyCondition(node)?.status === 'Unknown') await markPodsNotReady(ctx.client, ctx.recorder, pods, t);
      node = await syncTaints(ctx.client, node, t);
      const recheck = await evict(ctx, evictions.plan(name, node.spec?.taints ?? [], pods, t), t);
      return requeue(verdict.recheckAfterMs, recheck);
    },
  };
}

function nodeNameOf(pod: PodObject): string[] {
  return pod.spec?.nodeName ? [pod.spec.nodeName] : [];
}

function requeue(...delays: (number | undefined)[]): ReconcileResult | undefined {
  const due = delays.filter((d): d is number => d !== undefined);
  return due.length ? { requeueAfterMs: Math.min(...due) } : undefined;
}

/** Writes the Unknown conditions; a node that was Ready gets the `NodeNotReady` event. */
async function markSilent(ctx: ReconcileContext, node: NodeObject, conditions: NonNullable<NodeObject['status']>['conditions']): Promise<NodeObject> {
  const wasReady = readyCondition(node)?.status === 'True';
  const next = cloneJson(node);
  next.status = { ...next.status, conditions };
  const written = await ctx.client.updateStatus<NodeObject>(NODES, next);
  ctx.log('node stopped posting status', { node: node.metadata.name });
  if (wasReady) ctx.recorder.event(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
  return written;
}

/**
 * MarkPodsNotReady: pods on a silent node can no longer be trusted to serve, so their Ready
 * condition turns False (endpoints drop them) and each gets a `NodeNotReady` warning.
 */
async function markPodsNotReady(client: KubeClient, recorder: EventRecorder, pods: readonly PodObject[], t: number): Promise<void> {
  for (const pod of pods) {
    const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
    if (!ready || ready.status === 'False' || pod.metadata.deletionTimestamp) continue;
    const condition = { ...ready, status: 'False', lastTransitionTime: nowTimestamp(new Date(t)) };
    try {
      await client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { status: { conditions: [condition] } }, { type: 'strategic', subresource: 'status' });
      recorder.event(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}

/** The taints the controller wants on the node, given its conditions and spec.unschedulable. */
export function wantedTaints(node: NodeObject, t: number): Taint[] {
  const stamp = nowTimestamp(new Date(t));
  const ready = readyCondition(node)?.status;
  const wanted: Taint[] = [];
  if (ready === 'False') wanted.push({ key: TAINT_NOT_READY, effect: 'NoExecute', timeAdded: stamp }, { key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (ready === 'Unknown') wanted.push({ key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: stamp }, { key: TAINT_UNREACHABLE, effect: 'NoSchedule' });
  for (const c of node.status?.conditions ?? []) {
    const key = CONDITION_TAINTS[c.type];
    if (key && c.status === 'True') wanted.push({ key, effect: 'NoSchedule' });
  }
  if (node.spec?.unschedulable) wanted.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return wanted;
}

/** Taints this controller adds and removes (others, such as user taints, are never touched). */
function ownedTaint(taint: Taint): boolean {
  if (!CONDITION_TAINT_KEYS.includes(taint.key)) return false;
  if (taint.effect === 'NoSchedule') return true;
  return taint.effect === 'NoExecute' && (taint.key === TAINT_NOT_READY || taint.key === TAINT_UNREACHABLE);
}

/** Updates spec.taints when the controller-owned taints differ from what the conditions call for. */
async function syncTaints(client: KubeClient, node: NodeObject, t: number): Promise<NodeObject> {
  const current = node.spec?.taints ?? [];
  const next = reconcileTaints(current, wantedTaints(node, t), ownedTaint);
  if (jsonEqual(current, next)) return node;
  const updated = cloneJson(node);
  updated.spec = { ...updated.spec, taints: next };
  if (next.length === 0) delete updated.spec.taints;
  return client.update<NodeObject>(NODES, updated);
}

/** Carries out an eviction plan; returns when the next pending eviction falls due. */
async function evict(ctx: ReconcileContext, plan: ReturnType<TaintEvictionTracker['plan']>, t: number): Promise<number | undefined> {
  for (const pod of plan.cancelled) ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Cancelling deletion of Pod ${podKey(pod)}`);
  for (const pod of plan.evict) await evictPod(ctx, pod, t);
  return plan.recheckAfterMs;
}

/**
 * Deletes a pod for a NoExecute taint as the taint eviction controller does: event
 * "Marking for deletion Pod ns/name", a DisruptionTarget condition, then a delete with the pod's
 * own grace period (the kubelet finishes it).
 */
async function evictPod(ctx: ReconcileContext, pod: PodObject, t: number): Promise<void> {
  ctx.recorder.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${podKey(pod)}`);
  const { namespace, name, uid } = pod.metadata;
  try {
    if (!pod.status?.conditions?.some((c) => c.type === 'DisruptionTarget' && c.status === 'True')) {
      const condition = { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: nowTimestamp(new Date(t)) };
      await ctx.client.patch(PODS, namespace, name!, { status: { conditions: [condition] } }, { type: 'strategic', subresource: 'status' });
    }
    await ctx.client.delete(PODS, namespace, name!, { preconditions: { uid } });
  } catch (err) {
    // Gone already (or replaced by a new pod of the same name): nothing left to evict.
    const code = (err as { code?: number }).code;
    if (code !== 404 && code !== 409) throw err;
  }
}
