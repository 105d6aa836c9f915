/**
 * The Deployment strategies (pkg/controller/deployment rolling.go, recreate.go, sync.go):
 * RollingUpdate within maxSurge / maxUnavailable, Recreate, proportional scaling of a rollout in
 * flight (and of a paused Deployment), old ReplicaSet cleanup, and the status writes that end
 * each pass.
 */
import type { ReconcileResult } from '../machinery/controller.ts';
import { deploymentComplete, msUntilDeadline, rolloutStatus, calculateStatus, statusEqual } from './deployment-status.ts';
import type { DeploymentSync } from './deployment-sync.ts';
import {
  activeReplicaSets, byCreation, byRevision, bySizeNewer, bySizeOlder, DESIRED_REPLICAS_ANNOTATION, intAnnotation, isRollingUpdate,
  MAX_REPLICAS_ANNOTATION, maxSurge, maxUnavailable, newRSNewReplicas, specSum, statusSum,
} from './deployment-util.ts';
import { REPLICASETS } from './replicaset.ts';
import { specReplicas, type Pod, type ReplicaSet } from './workload-types.ts';

/** rolloutRolling: scale the new ReplicaSet up within maxSurge, the old ones down within maxUnavailable. */
export async function rolloutRolling(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void | ReconcileResult> {
  const { newRS, oldRSs } = await s.replicaSets(rsList, true);
  const allRSs = [...oldRSs, newRS!];
  if (await reconcileNewReplicaSet(s, allRSs, newRS!)) return syncRolloutStatus(s, allRSs, newRS);
  if (await reconcileOldReplicaSets(s, allRSs, activeReplicaSets(oldRSs), newRS!)) return syncRolloutStatus(s, allRSs, newRS);
  if (deploymentComplete(s.d, s.d.status!)) await cleanupDeployment(s, oldRSs);
  return syncRolloutStatus(s, allRSs, newRS);
}

/** reconcileNewReplicaSet: the new ReplicaSet grows by what maxSurge leaves, or shrinks to the desired count. */
async function reconcileNewReplicaSet(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  const want = specReplicas(s.d);
  if (specReplicas(newRS) === want) return false;
  if (specReplicas(newRS) > want) return (await s.scaleAndRecord(newRS, want)).scaled;
  return (await s.scaleAndRecord(newRS, newRSNewReplicas(s.d, allRSs, newRS))).scaled;
}

/**
 * reconcileOldReplicaSets: first scale down unhealthy old replicas (they cost no availability),
 * then old ones as far as availability above replicas - maxUnavailable allows.
 */
async function reconcileOldReplicaSets(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet): Promise<boolean> {
  if (specSum(oldRSs) === 0) return false;
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const newRSUnavailable = specReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specSum(allRSs) - minAvailable - newRSUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = await scaleDownOldForRollingUpdate(s, [...cleaned.oldRSs, newRS], cleaned.oldRSs);
  return cleaned.count + scaledDown > 0;
}

/** cleanupUnhealthyReplicas: oldest first, drop replicas that are not available, up to `max`. */
async function cleanupUnhealthyReplicas(s: DeploymentSync, oldRSs: ReplicaSet[], max: number): Promise<{ oldRSs: ReplicaSet[]; count: number }> {
  const sorted = [...oldRSs].sort(byCreation);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (total >= max) break;
    const rs = sorted[i];
    const replicas = specReplicas(rs);
    const available = rs.status?.availableReplicas ?? 0;
    if (replicas === 0 || replicas === available) continue;
    const count = Math.min(max - total, replicas - available);
    sorted[i] = (await s.scaleAndRecord(rs, replicas - count)).rs;
    total += count;
  }
  return { oldRSs: sorted, count: total };
}

/** scaleDownOldReplicaSetsForRollingUpdate: oldest first, as far as available pods exceed the minimum. */
async function scaleDownOldForRollingUpdate(s: DeploymentSync, allRSs: ReplicaSet[], oldRSs: ReplicaSet[]): Promise<number> {
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const available = statusSum(allRSs, 'availableReplicas');
  if (available <= minAvailable) return 0;
  const toScaleDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= toScaleDown) break;
    if (specReplicas(rs) === 0) continue;
    const count = Math.min(specReplicas(rs), toScaleDown - total);
    await s.scaleAndRecord(rs, specReplicas(rs) - count);
    total += count;
  }
  return total;
}

/**
 * rolloutRecreate: scale every old ReplicaSet to 0, wait until none of their pods is left running,
 * then create / scale up the new ReplicaSet. `podsByRS` maps ReplicaSet uid to its pods.
 */
export async function rolloutRecreate(s: DeploymentSync, rsList: ReplicaSet[], podsByRS: Map<string, Pod[]>): Promise<void | ReconcileResult> {
  let { newRS, oldRSs } = await s.replicaSets(rsList, false);
  let allRSs = [...oldRSs, ...(newRS ? [newRS] : [])];
  let scaledDown = false;
  for (const rs of activeReplicaSets(oldRSs)) {
    if ((await s.scaleAndRecord(rs, 0)).scaled) scaledDown = true;
  }
  if (scaledDown) return syncRolloutStatus(s, allRSs, newRS);
  if (oldPodsRunning(newRS, oldRSs, podsByRS)) return syncRolloutStatus(s, allRSs, newRS);
  if (!newRS) {
    ({ newRS, oldRSs } = await s.replicaSets(rsList, true));
    allRSs = [...oldRSs, newRS!];
  }
  await s.scaleAndRecord(newRS!, specReplicas(s.d));
  if (deploymentComplete(s.d, s.d.status!)) await cleanupDeployment(s, oldRSs);
  return syncRolloutStatus(s, allRSs, newRS);
}

/** oldPodsRunning: old ReplicaSets still report replicas, or own a pod that has not finished. */
function oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[], podsByRS: Map<string, Pod[]>): boolean {
  if (statusSum(oldRSs, 'replicas') > 0) return true;
  for (const [uid, pods] of podsByRS) {
    if (newRS && uid === newRS.metadata.uid) continue;
    if (pods.some((pod) => pod.status?.phase !== 'Failed' && pod.status?.phase !== 'Succeeded')) return true;
  }
  return false;
}

/**
 * sync: used for scaling events and paused Deployments. Scales (proportionally during a rollout),
 * cleans up old ReplicaSets when paused, and writes the status without judging progress.
 */
export async function syncScaling(s: DeploymentSync, rsList: ReplicaSet[]): Promise<void> {
  const { newRS, oldRSs } = await s.replicaSets(rsList, false);
  await scale(s, newRS, oldRSs);
  if (s.d.spec.paused) await cleanupDeployment(s, oldRSs);
  await syncDeploymentStatus(s, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
}

/** isScalingEvent: an active ReplicaSet was sized for a different replica count than the Deployment's. */
export async function isScalingEvent(s: DeploymentSync, rsList: ReplicaSet[]): Promise<boolean> {
  const { newRS, oldRSs } = await s.replicaSets(rsList, false);
  return activeReplicaSets([...oldRSs, newRS]).some((rs) => {
    const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
    return desired !== undefined && desired !== specReplicas(s.d);
  });
}

/**
 * scale: with one active ReplicaSet (or none) it takes the whole count; a saturated new ReplicaSet
 * lets the old ones go to 0; otherwise (RollingUpdate) the difference to replicas + maxSurge is
 * spread over the active ReplicaSets in proportion to their size, leftovers to the largest.
 */
async function scale(s: DeploymentSync, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const d = s.d;
  const want = specReplicas(d);
  const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
  if (activeOrLatest !== null) {
    if (activeOrLatest && specReplicas(activeOrLatest) !== want) await s.scaleAndRecord(activeOrLatest, want);
    return;
  }
  if (isSaturated(s, newRS)) {
    for (const old of activeReplicaSets(oldRSs)) await s.scaleAndRecord(old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const allRSs = activeReplicaSets([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - specSum(allRSs);
  let operation: 'up' | 'down' = 'up';
  if (toAdd > 0) allRSs.sort(bySizeNewer);
  else if (toAdd < 0) {
    allRSs.sort(bySizeOlder);
    operation = 'down';
  }
  let added = 0;
  const sizes = new Map<ReplicaSet, number>();
  for (const rs of allRSs) {
    const proportion = toAdd !== 0 ? getProportion(s, rs, toAdd, added) : 0;
    sizes.set(rs, specReplicas(rs) + proportion);
    added += proportion;
  }
  if (allRSs.length > 0) sizes.set(allRSs[0], Math.max(0, sizes.get(allRSs[0])! + toAdd - added));
  for (const rs of allRSs) await s.scale(rs, sizes.get(rs)!, operation);
}

/** FindActiveOrLatest: the single active ReplicaSet, else the new (or latest) one when none is active; null when several are. */
function findActiveOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined | null {
  if (!newRS && oldRSs.length === 0) return undefined;
  const latestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...latestFirst, newRS]);
  if (active.length === 0) return newRS ?? latestFirst[0];
  if (active.length === 1) return active[0];
  return null;
}

/** IsSaturated: the new ReplicaSet has, was sized for and has available all the replicas. */
function isSaturated(s: DeploymentSync, newRS: ReplicaSet | undefined): boolean {
  if (!newRS) return false;
  const want = specReplicas(s.d);
  return specReplicas(newRS) === want && intAnnotation(newRS, DESIRED_REPLICAS_ANNOTATION) === want && (newRS.status?.availableReplicas ?? 0) === want;
}

/** GetProportion: this ReplicaSet's share of the change, bounded by what is left to hand out. */
function getProportion(s: DeploymentSync, rs: ReplicaSet, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(s, rs);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** getReplicaSetFraction: the size change keeping the ReplicaSet's share of (replicas + maxSurge), per max-replicas. */
function replicaSetFraction(s: DeploymentSync, rs: ReplicaSet): number {
  const d = s.d;
  if (specReplicas(d) === 0) return -specReplicas(rs);
  const deploymentReplicas = specReplicas(d) + maxSurge(d);
  const annotated = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
  if (annotated === 0) return 0;
  // Go's math.Round: halves round away from zero.
  const newSize = roundHalfAway((specReplicas(rs) * deploymentReplicas) / annotated);
  return newSize - specReplicas(rs);
}

function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/**
 * cleanupDeployment: keeps revisionHistoryLimit old ReplicaSets; deletes the lowest revisions
 * among the rest that are scaled to 0, have no pods, are observed and not already being deleted.
 */
export async function cleanupDeployment(s: DeploymentSync, oldRSs: ReplicaSet[]): Promise<void> {
  const limit = s.d.spec.revisionHistoryLimit;
  if (limit === undefined) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - limit;
  if (diff <= 0) return;
  const sorted = [...cleanable].sort(byRevision);
  for (const rs of sorted.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) || rs.metadata.deletionTimestamp) continue;
    try {
      await s.ctx.client.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name!);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}

/** syncRolloutStatus: writes the rollout status when it changed, else schedules the deadline check. */
export async function syncRolloutStatus(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void | ReconcileResult> {
  const now = Date.now();
  const status = rolloutStatus(allRSs, newRS, s.d, now);
  if (statusEqual(s.d.status, status)) {
    const after = msUntilDeadline(s.d, status, now);
    return after === undefined ? undefined : { requeueAfterMs: after };
  }
  s.d.status = status;
  await s.updateStatus();
}

/** syncDeploymentStatus: writes calculateStatus when it changed (no progress judgement). */
export async function syncDeploymentStatus(s: DeploymentSync, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
  const status = calculateStatus(allRSs, newRS, s.d);
  if (statusEqual(s.d.status, status)) return;
  s.d.status = status;
  await s.updateStatus();
}
