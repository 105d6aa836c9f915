/**
 * The DaemonSet's per-node decisions, as pure functions over the cache (pkg/controller/daemon
 * daemon_controller.go podsShouldBeOnNode and rolling_update.go rollingUpdate): which nodes need
 * a pod, which pods go, and how far a RollingUpdate may go under maxUnavailable / maxSurge.
 */
import { isPodAvailable, isPodReady } from './pod-status.ts';
import { scaledValue } from './deployment-util.ts';
import { nodeShouldRunDaemonPod } from './daemonset-nodes.ts';
import type { DaemonSet, NodeObject } from './set-types.ts';
import type { Pod } from './workload-types.ts';

/** Pods and nodes a step acts on: pod names to delete, node names to create a pod on. */
export interface NodePlan {
  deletes: string[];
  creates: string[];
  /** Failed pods found, for the FailedDaemonPod event. */
  failed: { pod: Pod; node: string }[];
}

/** Oldest first; on equal times running before pending before others (podByCreationTimestampAndPhase). */
export function byCreationAndPhase(a: Pod, b: Pod): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  const rank = (p: Pod): number => (p.status?.phase === 'Running' ? 0 : p.status?.phase === 'Pending' ? 1 : 2);
  return rank(a) - rank(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);
}

/** Whether the pod runs the current template: its hash label, or its pod-template-generation (IsPodUpdated). */
export function isPodUpdated(pod: Pod, ds: DaemonSet, hash: string): boolean {
  const generation = ds.metadata.annotations?.['deprecated.daemonset.template.generation'];
  const labels = pod.metadata.labels ?? {};
  return (hash !== '' && labels['controller-revision-hash'] === hash) || (generation !== undefined && labels['pod-template-generation'] === generation);
}

/** Whether the strategy allows surge pods (RollingUpdate with a non-zero maxSurge). */
export function surgeCount(ds: DaemonSet, desired: number): number {
  const strategy = ds.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 0;
  return scaledValue(strategy?.rollingUpdate?.maxSurge ?? 0, desired, true);
}

/** maxUnavailable scaled against the desired count, rounding up as DaemonSets do (UnavailableCount). */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  const strategy = ds.spec.updateStrategy;
  if ((strategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return 0;
  return scaledValue(strategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true);
}

/**
 * podsShouldBeOnNode for every node (manage): a node that should run a pod and has none needs
 * one; failed and succeeded pods are deleted; without surge only the oldest running pod of a node
 * stays; with surge an old and a new pod may coexist until the new one is available; a node the
 * pod may no longer run on loses all its pods. Pods on nodes that no longer exist are deleted too.
 */
export function managePlan(ds: DaemonSet, nodes: NodeObject[], byNode: Map<string, Pod[]>, hash: string, now: number): NodePlan {
  const plan: NodePlan = { deletes: [], creates: [], failed: [] };
  const surge = surgeCount(ds, nodes.length) > 0;
  for (const node of nodes) {
    const name = node.metadata.name!;
    const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(name);
    if (shouldRun && !pods) {
      plan.creates.push(name);
    } else if (shouldContinueRunning && pods) {
      const running: Pod[] = [];
      for (const pod of pods) {
        if (pod.metadata.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          plan.failed.push({ pod, node: name });
          plan.deletes.push(pod.metadata.name!);
        } else if (pod.status?.phase === 'Succeeded') plan.deletes.push(pod.metadata.name!);
        else running.push(pod);
      }
      running.sort(byCreationAndPhase);
      if (!surge) plan.deletes.push(...running.slice(1).map((p) => p.metadata.name!));
      else plan.deletes.push(...surgeExtras(ds, running, hash, now));
    } else if (!shouldContinueRunning && pods) {
      plan.deletes.push(...pods.filter((p) => !p.metadata.deletionTimestamp).map((p) => p.metadata.name!));
    }
  }
  // Unscheduled pods pinned to nodes that are gone (getUnscheduledPodsWithoutNode).
  const known = new Set(nodes.map((n) => n.metadata.name));
  for (const [name, pods] of byNode) {
    if (known.has(name)) continue;
    plan.deletes.push(...pods.filter((p) => !p.spec?.nodeName && !p.metadata.deletionTimestamp).map((p) => p.metadata.name!));
  }
  return plan;
}

/** With surge: keep the oldest new and oldest old pod; drop the old one once it is not ready or the new one is available. */
function surgeExtras(ds: DaemonSet, running: Pod[], hash: string, now: number): string[] {
  if (running.length <= 1) return [];
  const out: string[] = [];
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of running) {
    if (pod.metadata.labels?.['controller-revision-hash'] === hash) {
      if (!oldestNew) { oldestNew = pod; continue; }
    } else if (!oldestOld) { oldestOld = pod; continue; }
    out.push(pod.metadata.name!);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec.minReadySeconds ?? 0, now))) out.push(oldestOld.metadata.name!);
  return out;
}

/** findUpdatedPodsOnNode: the node's one new and one old live pod; `ok` false when there are more. */
function updatedPodsOnNode(ds: DaemonSet, pods: Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (isPodUpdated(pod, ds, hash)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * rollingUpdate. Without surge: delete old pods (unavailable ones always, available ones while
 * fewer than maxUnavailable pods are unavailable) and let manage recreate them at the new
 * revision. With surge: create a new pod beside an old one (always for an unavailable old pod, up
 * to maxSurge otherwise) and delete the old pod once the new one is available.
 */
export function rollingUpdatePlan(ds: DaemonSet, nodes: NodeObject[], byNode: Map<string, Pod[]>, hash: string, now: number): NodePlan {
  const minReady = ds.spec.minReadySeconds ?? 0;
  const candidates = new Map<string, Pod[]>(byNode);
  let desired = 0;
  const nodeByName = new Map(nodes.map((n) => [n.metadata.name!, n]));
  for (const node of nodes) {
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
    desired++;
    if (!candidates.has(node.metadata.name!)) candidates.set(node.metadata.name!, []);
  }
  const maxSurge = surgeCount(ds, desired);
  let maxUnavailable = unavailableCount(ds, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  const plan: NodePlan = { deletes: [], creates: [], failed: [] };
  const available = (p: Pod): boolean => isPodAvailable(p, minReady, now);
  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: string[] = [];
    const optional: string[] = [];
    for (const pods of candidates.values()) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) unavailable++;
      else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (!available(oldPod!)) {
        replace.push(oldPod!.metadata.name!);
        unavailable++;
      } else if (unavailable < maxUnavailable) optional.push(oldPod!.metadata.name!);
    }
    plan.deletes = [...replace, ...optional.slice(0, Math.max(0, maxUnavailable - unavailable))];
    return plan;
  }
  let surged = 0;
  let numAvailable = 0;
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  const sunset: string[] = [];
  for (const [nodeName, pods] of candidates) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, pods, hash);
    if (!ok) { surged++; continue; }
    if (oldPod ? available(oldPod) : newPod ? available(newPod) : false) numAvailable++;
    if (!oldPod) continue;
    if (newPod) {
      if (!available(newPod)) surged++;
      else plan.deletes.push(oldPod.metadata.name!);
      continue;
    }
    const node = nodeByName.get(nodeName);
    const shouldRun = node ? nodeShouldRunDaemonPod(node, ds).shouldRun : false;
    if (!available(oldPod)) {
      if (!shouldRun) plan.deletes.push(oldPod.metadata.name!);
      else allowedNew.push(nodeName);
    } else if (!shouldRun) sunset.push(oldPod.metadata.name!);
    else if (surged < maxSurge) candidateNew.push(nodeName);
  }
  // Pods on nodes the set left go only while enough pods elsewhere are available (100% availability with surge).
  const deletable = Math.min(numAvailable - desired, sunset.length);
  if (deletable > 0) plan.deletes.push(...sunset.slice(0, deletable));
  plan.creates = [...allowedNew, ...candidateNew.slice(0, Math.max(0, maxSurge - surged))];
  return plan;
}
