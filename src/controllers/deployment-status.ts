/**
 * Deployment status and conditions (pkg/controller/deployment/progress.go, sync.go and
 * util/deployment_util.go): counts summed over the ReplicaSets, the Available condition, and the
 * Progressing condition with its progress deadline.
 */
import { cloneJson, jsonEqual, nowTimestamp } from '../api/object.ts';
import { maxUnavailable, specSum, statusSum } from './deployment-util.ts';
import { specReplicas, type Condition, type Deployment, type DeploymentStatus, type ReplicaSet } from './workload-types.ts';

/** Progressing condition reasons, spelled as Kubernetes does. */
export const REASONS = {
  newReplicaSet: 'NewReplicaSetCreated',
  foundNewReplicaSet: 'FoundNewReplicaSet',
  newRSAvailable: 'NewReplicaSetAvailable',
  replicaSetUpdated: 'ReplicaSetUpdated',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  failedRSCreate: 'ReplicaSetCreateError',
  minimumReplicasAvailable: 'MinimumReplicasAvailable',
  minimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

/** progressDeadlineSeconds of MaxInt32 means "no deadline". */
const MAX_INT32 = 2147483647;

/** A condition with lastUpdateTime and lastTransitionTime now (NewDeploymentCondition). */
export function newCondition(type: string, status: Condition['status'], reason: string, message: string, now: number = Date.now()): Condition {
  const ts = nowTimestamp(new Date(now));
  return { type, status, lastUpdateTime: ts, lastTransitionTime: ts, reason, message };
}

/** The condition of a type, if present. */
export function getCondition(status: DeploymentStatus | undefined, type: string): Condition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

/**
 * SetDeploymentCondition: no change when status and reason are the same; the transition time is
 * kept when only the reason changed; the condition moves to the end of the list.
 */
export function setCondition(status: DeploymentStatus, condition: Condition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const next = { ...condition };
  if (current && current.status === condition.status) next.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), next];
}

/** Removes the condition of a type. */
export function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
}

/** Whether progressDeadlineSeconds is set to something but MaxInt32. */
export function hasProgressDeadline(d: Deployment): boolean {
  return d.spec.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds !== MAX_INT32;
}

/** All replicas updated, present and available, for the current generation (DeploymentComplete). */
export function deploymentComplete(d: Deployment, status: DeploymentStatus): boolean {
  const want = specReplicas(d);
  return (status.updatedReplicas ?? 0) === want && (status.replicas ?? 0) === want && (status.availableReplicas ?? 0) === want && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

/** More updated, fewer old, more ready or more available replicas than before (DeploymentProgressing). */
export function deploymentProgressing(d: Deployment, status: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (status.replicas ?? 0) - (status.updatedReplicas ?? 0);
  return (status.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) || newOld < oldOld || (status.readyReplicas ?? 0) > (old.readyReplicas ?? 0) || (status.availableReplicas ?? 0) > (old.availableReplicas ?? 0);
}

/** The Progressing condition was last updated more than progressDeadlineSeconds ago (DeploymentTimedOut). */
export function deploymentTimedOut(d: Deployment, status: DeploymentStatus, now: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, 'Progressing');
  if (!cond) return false;
  if (cond.reason === REASONS.newRSAvailable) return false;
  if (cond.reason === REASONS.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + d.spec.progressDeadlineSeconds! * 1000 < now;
}

/**
 * calculateStatus: replicas / updatedReplicas / readyReplicas / availableReplicas summed over the
 * ReplicaSets' status, unavailableReplicas from their spec, observedGeneration, and the Available
 * condition (True once availableReplicas >= replicas - maxUnavailable).
 */
export function calculateStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment, now: number = Date.now()): DeploymentStatus {
  const available = statusSum(allRSs, 'availableReplicas');
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: statusSum(allRSs, 'replicas'),
    updatedReplicas: statusSum([newRS], 'replicas'),
    readyReplicas: statusSum(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, specSum(allRSs) - available),
    conditions: cloneJson(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  if (available >= specReplicas(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', REASONS.minimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', REASONS.minimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/**
 * The rollout part of the status (syncRolloutStatus): calculateStatus plus the Progressing
 * condition (NewReplicaSetAvailable when complete, ReplicaSetUpdated while progressing,
 * ProgressDeadlineExceeded past the deadline) and ReplicaFailure copied from the ReplicaSets.
 */
export function rolloutStatus(allRSs: ReplicaSet[], newRS: ReplicaSet | undefined, d: Deployment, now: number = Date.now()): DeploymentStatus {
  const status = calculateStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(status, 'Progressing');
  const complete = status.replicas === status.updatedReplicas && current?.reason === REASONS.newRSAvailable;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : 'Deployment has successfully progressed.';
      setCondition(status, newCondition('Progressing', 'True', REASONS.newRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : 'Deployment is progressing.';
      const cond = newCondition('Progressing', 'True', REASONS.replicaSetUpdated, msg, now);
      // Progress refreshes lastUpdateTime (the deadline restarts) but not the transition time.
      if (current?.status === 'True') cond.lastTransitionTime = current.lastTransitionTime;
      removeCondition(status, 'Progressing');
      setCondition(status, cond);
    } else if (deploymentTimedOut(d, status, now)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : 'Deployment has timed out progressing.';
      setCondition(status, newCondition('Progressing', 'False', REASONS.timedOut, msg, now));
    }
  }
  // getReplicaFailures: the new ReplicaSet's failure wins over the old ones'.
  const failure = [newRS, ...allRSs].flatMap((rs) => rs?.status?.conditions ?? []).find((c) => c.type === 'ReplicaFailure');
  if (failure) setCondition(status, { type: 'ReplicaFailure', status: failure.status, lastUpdateTime: failure.lastTransitionTime, lastTransitionTime: failure.lastTransitionTime, reason: failure.reason, message: failure.message });
  else removeCondition(status, 'ReplicaFailure');
  return status;
}

/**
 * requeueStuckDeployment: while a rollout is neither complete nor timed out, when to look again
 * so the deadline is noticed without any other event (ms; undefined when there is nothing to wait for).
 */
export function msUntilDeadline(d: Deployment, status: DeploymentStatus, now: number = Date.now()): number | undefined {
  const cond = getCondition(d.status, 'Progressing');
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, status) || cond.reason === REASONS.timedOut) return undefined;
  const after = Date.parse(cond.lastUpdateTime ?? '') + d.spec.progressDeadlineSeconds! * 1000 - now;
  if (!Number.isFinite(after)) return undefined;
  return after < 1000 ? 1000 : after + 1000;
}

/** Status equality ignoring Go's omitempty zeros. */
export function statusEqual(a: DeploymentStatus | undefined, b: DeploymentStatus | undefined): boolean {
  return jsonEqual(omitEmpty(a), omitEmpty(b));
}

/** The status as Kubernetes serialises it: zero counts and an empty condition list left out. */
export function omitEmpty(status: DeploymentStatus | undefined): DeploymentStatus {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status ?? {})) {
    // collisionCount is a pointer in Go: 0 is still written.
    if ((v === 0 && k !== 'collisionCount') || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out as DeploymentStatus;
}
