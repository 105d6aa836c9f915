/**
 * Pure pieces of the Job controller's status logic (pkg/controller/job/job_controller.go): how a
 * pod counts, conditions with Kubernetes' probe/transition times, the backoff limit and the
 * active deadline, and the status shape Kubernetes writes.
 */
import { cloneJson, nowTimestamp } from '../api/object.ts';
import type { Job, JobCondition, JobStatus } from './job-types.ts';
import type { Pod } from './workload-types.ts';

/** Reason and message of the failure conditions, in Kubernetes' words. */
export const BACKOFF_LIMIT_EXCEEDED = { reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
export const DEADLINE_EXCEEDED = { reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
/** Reason and message of SuccessCriteriaMet and then Complete once every pod terminated. */
export const COMPLETIONS_REACHED = { reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };

/**
 * Whether a finished-or-deleted pod counts as a failure (isPodFailed): phase Failed, or deleted
 * before succeeding, which is how orphaned and evicted pods are counted. Pods deleted because the
 * Job is suspended are not counted against it.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (job.spec.suspend) return false;
  return Boolean(pod.metadata.deletionTimestamp) && pod.status?.phase !== 'Succeeded';
}

/** A pod the controller is done with: it succeeded or counts as failed. */
export function isPodFinished(pod: Pod, job: Job): boolean {
  return pod.status?.phase === 'Succeeded' || isPodFailed(pod, job);
}

/**
 * pastBackoffLimitOnFailure: with restartPolicy OnFailure the kubelet restarts containers in
 * place, so the restarts of running and pending pods count as failures; the limit is reached at
 * `backoffLimit` restarts (any restart when the limit is 0).
 */
export function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running' && pod.status?.phase !== 'Pending') continue;
    const statuses = [...((pod.status?.initContainerStatuses as { restartCount?: number }[] | undefined) ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const s of statuses) restarts += s.restartCount ?? 0;
  }
  const limit = job.spec.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Milliseconds until the active deadline passes (<= 0: passed), or undefined without a deadline or start time. */
export function msUntilDeadline(job: Job, now: number): number | undefined {
  const ads = job.spec.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (ads === undefined || ads === null || !start || job.spec.suspend) return undefined;
  return Date.parse(start) + ads * 1000 - now;
}

/**
 * ensureJobConditionStatus: sets a condition's status, reason and message. An existing condition
 * with a different status is updated (both times now); an identical one is left alone; a missing
 * one is added only when its status is True. Returns whether anything changed.
 */
export function ensureCondition(status: JobStatus, type: string, value: 'True' | 'False', reason: string, message: string, now: number): boolean {
  const conditions = (status.conditions ??= []);
  const time = nowTimestamp(new Date(now));
  const existing = conditions.find((c) => c.type === type);
  if (existing) {
    if (existing.status === value && existing.reason === reason && existing.message === message) return false;
    if (existing.status !== value) existing.lastTransitionTime = time;
    Object.assign(existing, { status: value, reason, message, lastProbeTime: time });
    return true;
  }
  if (value !== 'True') return false;
  const cond: JobCondition = { type, status: value, lastProbeTime: time, lastTransitionTime: time, reason, message };
  conditions.push(cond);
  return true;
}

/** The condition (of the given types) that marks the Job's outcome before pods finished terminating. */
export function interimCondition(job: Job): JobCondition | undefined {
  return job.status?.conditions?.find((c) => (c.type === 'FailureTarget' || c.type === 'SuccessCriteriaMet') && c.status === 'True');
}

/**
 * Whether the Job has its completions (NonIndexed: `succeeded >= completions`, or with
 * completions unset any success once no pod is active; Indexed: every index completed).
 */
export function completionsReached(job: Job, succeeded: number, completedIndexes: number, active: number): boolean {
  const completions = job.spec.completions;
  if (job.spec.completionMode === 'Indexed') return completedIndexes >= (completions ?? 1);
  if (completions === undefined || completions === null) return succeeded > 0 && active === 0;
  return succeeded >= completions;
}

/**
 * A copy of the status normalized as Kubernetes serializes it: `active`, `succeeded`, `failed`,
 * `completedIndexes` omitted when empty; `ready`, `terminating` and `uncountedTerminatedPods`
 * always present.
 */
export function normalizeStatus(status: JobStatus): JobStatus {
  const out = cloneJson(status);
  for (const key of ['active', 'succeeded', 'failed'] as const) if (!out[key]) delete out[key];
  if (!out.completedIndexes) delete out.completedIndexes;
  if (!out.conditions?.length) delete out.conditions;
  out.ready ??= 0;
  out.terminating ??= 0;
  const u = out.uncountedTerminatedPods ?? {};
  out.uncountedTerminatedPods = {};
  if (u.succeeded?.length) out.uncountedTerminatedPods.succeeded = u.succeeded;
  if (u.failed?.length) out.uncountedTerminatedPods.failed = u.failed;
  return out;
}
