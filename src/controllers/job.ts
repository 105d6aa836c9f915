/**
 * The Job controller (kube-controller-manager's `job`, pkg/controller/job): runs pods until
 * `completions` succeed (NonIndexed or Indexed), at most `parallelism` at a time; fails the Job
 * past `backoffLimit` or `activeDeadlineSeconds`; deletes the pods of a suspended Job. Finished
 * pods are counted through the batch.kubernetes.io/job-tracking finalizer: a finished pod's uid
 * goes to status.uncountedTerminatedPods, its finalizer is removed, then it moves to the
 * succeeded/failed counters, so a pod deleted early is never lost from the counts. As in 1.32 the
 * outcome is first marked with SuccessCriteriaMet / FailureTarget, and Complete / Failed follow
 * once no pod is left running or terminating.
 */
import { cloneJson, jsonEqual, nowTimestamp } from '../api/object.ts';
import { parseApiVersion } from '../api/registry.ts';
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors/labels.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import type { NamespaceLister } from '../machinery/lister.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { Expectations } from './expectations.ts';
import { formatIndexes, parseIndexes, pendingIndexes, podCompletionIndex } from './job-indexes.ts';
import { createJobPods, hasTrackingFinalizer, removeTrackingFinalizer } from './job-pods.ts';
import { BACKOFF_LIMIT_EXCEEDED, completionsReached, COMPLETIONS_REACHED, DEADLINE_EXCEEDED, ensureCondition, interimCondition, isPodFinished, msUntilDeadline, normalizeStatus, pastBackoffLimitOnFailure } from './job-status.ts';
import { finishedCondition, JOBS, type Job, type JobStatus } from './job-types.ts';
import { SelectorIndex } from './owner-selectors.ts';
import { deletePods, PODS } from './pod-control.ts';
import { podsToDelete } from './pod-ordering.ts';
import { isPodActive, isPodReady } from './pod-status.ts';
import type { Pod } from './workload-types.ts';

/** Kubernetes' burst of pod creations per Job sync (MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;

/** Options of the Job controller. */
export interface JobControllerOptions {
  /** The clock (tests fake it). */
  now?: () => number;
}

interface JobState {
  expectations: Expectations;
  selectors: SelectorIndex;
  /** Per Job key: uids whose finalizer this controller removed, until the cache shows it gone. */
  removed: Map<string, Set<string>>;
  now: () => number;
}

/** One sync's working view of a Job. */
interface SyncCtx {
  ctx: ReconcileContext;
  key: string;
  state: JobState;
  job: Job;
  status: JobStatus;
  pods: Pod[];
  now: number;
}

/** A new Job controller (each instance keeps its own expectations). */
export function jobController(opts: JobControllerOptions = {}): Controller {
  const state: JobState = { expectations: new Expectations(), selectors: new SelectorIndex(), removed: new Map(), now: opts.now ?? Date.now };
  return {
    name: 'job',
    watches: [{ resource: JOBS }, { resource: PODS, map: (pod) => podJobKeys(pod as Pod, state) }],
    reconcile: (ctx, key) => syncJob(ctx, key, state),
  };
}

/** A pod wakes its controlling Job; an orphan wakes every Job whose selector matches it. */
function podJobKeys(pod: Pod, state: JobState): string[] {
  const ns = pod.metadata.namespace ?? '';
  const ref = controllerRefOf(pod);
  if (ref) return ref.kind === 'Job' && parseApiVersion(ref.apiVersion).group === 'batch' ? [`${ns}/${ref.name}`] : [];
  if (pod.metadata.deletionTimestamp) return [];
  return state.selectors.matching(ns, pod.metadata.labels);
}

/** syncJob: one level-based pass over one Job. */
async function syncJob(ctx: ReconcileContext, key: string, state: JobState): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const job = ctx.listers.get<Job>(JOBS).get(namespace, name);
  const podLister = ctx.listers.get<Pod>(PODS).namespace(namespace);
  await releaseOrphans(ctx, podLister, name, job);
  if (!job) {
    state.expectations.forget(key);
    state.selectors.delete(namespace, key);
    state.removed.delete(key);
    return;
  }
  let selector: LabelSelector;
  try {
    selector = selectorFromLabelSelector(job.spec.selector);
  } catch (err) {
    ctx.log('invalid selector', { key, error: (err as Error).message });
    return;
  }
  state.selectors.set(namespace, key, selector);
  const owned = podLister.list().filter((pod) => controllerRefOf(pod)?.uid === job.metadata.uid);
  if (finishedCondition(job) || job.metadata.deletionTimestamp) {
    // A finished Job keeps no pod from going away: drop every remaining tracking finalizer.
    for (const pod of owned.filter(hasTrackingFinalizer)) await removeTrackingFinalizer(ctx.client, pod);
    return;
  }
  const pods = await claimObjects(podLister.list(), {
    client: ctx.client,
    ref: PODS,
    owner: job,
    ownerApiVersion: 'batch/v1',
    ownerKind: 'Job',
    match: (pod) => matchesLabels(selector, pod.metadata.labels),
    canAdopt: () => stillExists(ctx, job),
  });
  const s: SyncCtx = { ctx, key, state, job, status: normalizeStatus(job.status ?? {}), pods, now: state.now() };
  await trackFinishedPods(s);
  await releaseSuspendedDeletions(s);
  return reconcileActive(s, podLister);
}

/**
 * Pods still carrying the tracking finalizer whose Job `name` is gone (or was replaced by a
 * new Job of the same name) would never be deleted: drop their finalizer, as Kubernetes'
 * orphan pod cleanup does.
 */
async function releaseOrphans(ctx: ReconcileContext, podLister: NamespaceLister<Pod>, name: string, job: Job | undefined): Promise<void> {
  for (const pod of podLister.list()) {
    const ref = controllerRefOf(pod);
    if (ref?.kind !== 'Job' || ref.name !== name || ref.uid === job?.metadata.uid || !hasTrackingFinalizer(pod)) continue;
    await removeTrackingFinalizer(ctx.client, pod);
  }
}

/**
 * Pods deleted because their Job is suspended count as neither success nor failure, so the
 * counting path never releases them: drop their finalizer so that the deletion can finish.
 */
async function releaseSuspendedDeletions(s: SyncCtx): Promise<void> {
  if (!s.job.spec.suspend) return;
  for (const pod of s.pods) {
    if (pod.metadata.deletionTimestamp && hasTrackingFinalizer(pod) && !isPodFinished(pod, s.job)) await removeTrackingFinalizer(s.ctx.client, pod);
  }
}

/** RecheckDeletionTimestamp: the Job read live is the same one and not being deleted. */
async function stillExists(ctx: ReconcileContext, job: Job): Promise<boolean> {
  try {
    const fresh = await ctx.client.get(JOBS, job.metadata.namespace, job.metadata.name!);
    return fresh.metadata.uid === job.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/**
 * trackJobStatusAndRemoveFinalizers: (1) record newly finished pods in uncountedTerminatedPods
 * (and their indexes in completedIndexes), (2) remove their finalizers, (3) move the uids whose
 * finalizer is gone into the succeeded / failed counters.
 */
async function trackFinishedPods(s: SyncCtx): Promise<void> {
  const { job, state, key } = s;
  const removed = state.removed.get(key) ?? new Set<string>();
  state.removed.set(key, removed);
  const byUid = new Map(s.pods.map((p) => [p.metadata.uid!, p]));
  // The cache caught up with a finalizer removal: stop remembering it.
  for (const uid of removed) if (!byUid.get(uid) || !hasTrackingFinalizer(byUid.get(uid)!)) removed.delete(uid);
  const uncounted = { succeeded: new Set(s.status.uncountedTerminatedPods?.succeeded), failed: new Set(s.status.uncountedTerminatedPods?.failed) };
  const completions = job.spec.completions ?? 1;
  const completed = parseIndexes(s.status.completedIndexes, completions);
  let added = false;
  for (const pod of s.pods) {
    const uid = pod.metadata.uid!;
    if (!hasTrackingFinalizer(pod) || removed.has(uid) || uncounted.succeeded.has(uid) || uncounted.failed.has(uid) || !isPodFinished(pod, job)) continue;
    added = true;
    if (pod.status?.phase === 'Succeeded') {
      uncounted.succeeded.add(uid);
      const index = podCompletionIndex(pod);
      if (job.spec.completionMode === 'Indexed' && index !== undefined && index < completions) completed.add(index);
    } else {
      uncounted.failed.add(uid);
    }
  }
  if (job.spec.completionMode === 'Indexed') s.status.completedIndexes = formatIndexes(completed);
  setUncounted(s.status, uncounted);
  if (added) await writeStatus(s);
  for (const uid of [...uncounted.succeeded, ...uncounted.failed]) {
    const pod = byUid.get(uid);
    if (pod && hasTrackingFinalizer(pod) && !removed.has(uid) && (await removeTrackingFinalizer(s.ctx.client, pod))) removed.add(uid);
  }
  for (const [set, field] of [[uncounted.succeeded, 'succeeded'], [uncounted.failed, 'failed']] as const) {
    for (const uid of set) {
      const pod = byUid.get(uid);
      if (pod && hasTrackingFinalizer(pod) && !removed.has(uid)) continue;
      s.status[field] = (s.status[field] ?? 0) + 1;
      set.delete(uid);
    }
  }
  setUncounted(s.status, uncounted);
}

function setUncounted(status: JobStatus, u: { succeeded: Set<string>; failed: Set<string> }): void {
  status.uncountedTerminatedPods = {};
  if (u.succeeded.size) status.uncountedTerminatedPods.succeeded = [...u.succeeded];
  if (u.failed.size) status.uncountedTerminatedPods.failed = [...u.failed];
}

/** Decides the outcome, manages the active pods and writes the status. */
async function reconcileActive(s: SyncCtx, podLister: NamespaceLister<Pod>): Promise<void | ReconcileResult> {
  const { job, status, now, ctx } = s;
  let active = s.pods.filter(isPodActive);
  let terminating = s.pods.filter((p) => p.metadata.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
  if (!status.startTime && !job.spec.suspend) status.startTime = nowTimestamp(new Date(now));
  let interim = interimCondition({ ...job, status });
  if (!interim) {
    const failure = (status.failed ?? 0) > (job.spec.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, active) ? BACKOFF_LIMIT_EXCEEDED : (msUntilDeadline({ ...job, status }, now) ?? 1) <= 0 ? DEADLINE_EXCEEDED : undefined;
    const completedCount = parseIndexes(status.completedIndexes, job.spec.completions ?? 1).size;
    if (failure) ensureCondition(status, 'FailureTarget', 'True', failure.reason, failure.message, now);
    else if (completionsReached(job, status.succeeded ?? 0, completedCount, active.length)) ensureCondition(status, 'SuccessCriteriaMet', 'True', COMPLETIONS_REACHED.reason, COMPLETIONS_REACHED.message, now);
    interim = interimCondition({ ...job, status });
  }
  if (interim || job.spec.suspend) {
    // A decided Job, and a suspended one, keep no pod running.
    const result = await deletePods(ctx.client, ctx.recorder, jobOwner(job), active);
    terminating += result.done.length;
    active = active.filter((p) => !result.done.includes(p));
    if (result.error) throw result.error;
  }
  if (!interim) {
    if (job.spec.suspend) {
      if (ensureCondition(status, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now)) ctx.recorder.event(jobOwner(job).object, 'Normal', 'Suspended', 'Job suspended');
    } else if (ensureCondition(status, 'Suspended', 'False', 'JobResumed', 'Job resumed', now)) {
      ctx.recorder.event(jobOwner(job).object, 'Normal', 'Resumed', 'Job resumed');
      // ActiveDeadlineSeconds counts time continuously active: resuming restarts the clock.
      status.startTime = nowTimestamp(new Date(now));
    }
  }
  let manageError: Error | undefined;
  if (!interim && !job.spec.suspend && s.state.expectations.satisfied(s.key, expectationCache(podLister))) {
    const managed = await manageJob(s, active);
    active = managed.active;
    manageError = managed.error;
  }
  const uncountedLeft = (status.uncountedTerminatedPods?.succeeded?.length ?? 0) + (status.uncountedTerminatedPods?.failed?.length ?? 0);
  if (interim && uncountedLeft === 0 && terminating === 0 && active.length === 0) finish(s, interim.type === 'FailureTarget' ? 'Failed' : 'Complete', interim.reason!, interim.message!);
  status.active = active.length;
  status.ready = active.filter(isPodReady).length;
  status.terminating = terminating;
  await writeStatus(s);
  if (manageError) throw manageError;
  const untilDeadline = finishedCondition({ ...job, status }) ? undefined : msUntilDeadline({ ...job, status }, now);
  if (untilDeadline !== undefined && untilDeadline > 0) return { requeueAfterMs: untilDeadline };
}

/** Adds Complete (with completionTime) or Failed and records Completed or the failure reason. */
function finish(s: SyncCtx, type: 'Complete' | 'Failed', reason: string, message: string): void {
  ensureCondition(s.status, type, 'True', reason, message, s.now);
  const about = jobOwner(s.job).object;
  if (type === 'Complete') {
    s.status.completionTime = nowTimestamp(new Date(s.now));
    s.ctx.recorder.event(about, 'Normal', 'Completed', 'Job completed');
  } else {
    s.ctx.recorder.event(about, 'Warning', reason, message);
  }
}

/**
 * manageJob: create or delete pods so that the wanted number run. NonIndexed: `parallelism`,
 * capped by the completions still missing (or, with completions unset, no new pods once one
 * succeeded). Indexed: the lowest pending indexes get a pod; pods of completed, out-of-range or
 * duplicated indexes are deleted.
 */
async function manageJob(s: SyncCtx, active: Pod[]): Promise<{ active: Pod[]; error?: Error }> {
  const { job, status, ctx } = s;
  const parallelism = job.spec.parallelism ?? 1;
  const completions = job.spec.completions;
  const succeeded = status.succeeded ?? 0;
  let excess: Pod[] = [];
  let wantActive: number;
  let toCreate: (number | undefined)[];
  if (job.spec.completionMode === 'Indexed') {
    const total = completions ?? 1;
    const completed = parseIndexes(status.completedIndexes, total);
    const held = new Set<number>();
    for (const pod of active) {
      const index = podCompletionIndex(pod);
      if (index === undefined || index >= total || completed.has(index) || held.has(index)) excess.push(pod);
      else held.add(index);
    }
    wantActive = Math.min(parallelism, total - completed.size);
    const valid = active.length - excess.length;
    if (valid > wantActive) excess = excess.concat(podsToDelete(active.filter((p) => !excess.includes(p)), active, valid - wantActive));
    toCreate = pendingIndexes(total, completed, held, Math.max(0, wantActive - valid));
  } else {
    wantActive = completions === undefined || completions === null ? (succeeded > 0 ? active.length : parallelism) : Math.min(parallelism, Math.max(0, completions - succeeded));
    if (active.length > wantActive) excess = podsToDelete(active, active, active.length - wantActive);
    toCreate = Array.from({ length: Math.max(0, wantActive - active.length) }, () => undefined);
  }
  let remaining = active;
  if (excess.length > 0) {
    const del = await deletePods(ctx.client, ctx.recorder, jobOwner(job), excess.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC));
    s.state.expectations.expectDeletions(s.key, del.done);
    remaining = active.filter((p) => !del.done.includes(p));
    if (del.error) return { active: remaining, error: del.error };
  }
  if (toCreate.length === 0) return { active: remaining };
  const created = await createJobPods(ctx.client, ctx.recorder, job, toCreate.slice(0, MAX_POD_CREATE_DELETE_PER_SYNC));
  s.state.expectations.expectCreations(s.key, created.done);
  return { active: [...remaining, ...(created.done as Pod[])], error: created.error };
}

function jobOwner(job: Job): { object: Job; apiVersion: string; kind: string } {
  return { object: { ...job, apiVersion: 'batch/v1', kind: 'Job' }, apiVersion: 'batch/v1', kind: 'Job' };
}

function expectationCache(lister: NamespaceLister<Pod>): { get: (name: string) => Pod | undefined; latestRevision: () => number } {
  return { get: (name) => lister.get(name), latestRevision: () => Math.max(0, ...lister.list().map((p) => Number(p.metadata.resourceVersion ?? 0))) };
}

/**
 * Writes the status (PUT .../status) unless it equals what is stored; later writes of the same
 * sync build on the returned object's resourceVersion. A conflict fails the sync, which retries.
 */
async function writeStatus(s: SyncCtx): Promise<void> {
  const next = normalizeStatus(s.status);
  if (s.job.status && jsonEqual(normalizeStatus(s.job.status), next)) return;
  s.job = await s.ctx.client.updateStatus<Job>(JOBS, { ...cloneJson(s.job), status: next });
}
