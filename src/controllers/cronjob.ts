/**
 * The CronJob controller (kube-controller-manager's `cronjob`, pkg/controller/cronjob
 * cronjob_controllerv2.go): creates a Job for each scheduled time (name `<cronjob>-<minutes since
 * the epoch>`), honouring suspend, startingDeadlineSeconds and concurrencyPolicy; keeps
 * status.active / lastScheduleTime / lastSuccessfulTime; deletes finished Jobs beyond the history
 * limits; and requeues itself until the next scheduled time.
 */
import { cloneJson, jsonEqual } from '../api/object.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { controllerRefOf, newControllerRef } from './controller-ref.ts';
import { mostRecentScheduleTime, TOO_MANY_MISSED } from './cronjob-times.ts';
import { formatInZone, nextRun, parseCron, type CronSchedule } from './cron-schedule.ts';
import { CRONJOB_SCHEDULED_TIMESTAMP, CRONJOBS, finishedCondition, JOBS, type CronJob, type Job, type ObjectReference } from './job-types.ts';
import { ignoreCodes, statusCode } from './object-patches.ts';

/** Kubernetes' nextScheduleDelta: requeue this long after the next schedule time, so it has passed. */
export const NEXT_SCHEDULE_DELTA_MS = 100;

/** Options of the CronJob controller. */
export interface CronJobControllerOptions {
  /** The clock (tests fake it). */
  now?: () => number;
}

/** A new CronJob controller; a Job wakes the CronJob that controls it. */
export function cronJobController(opts: CronJobControllerOptions = {}): Controller {
  const now = opts.now ?? Date.now;
  return {
    name: 'cronjob',
    watches: [{ resource: CRONJOBS }, { resource: JOBS, map: { ownerKind: 'CronJob', ownerGroup: 'batch' } }],
    reconcile: (ctx, key) => syncCronJob(ctx, key, now()),
  };
}

/** The name of the Job for a scheduled time (getJobName): minutes since the epoch. */
export function jobNameFor(cronJob: CronJob, scheduled: Date): string {
  return `${cronJob.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** One sync's working view. */
interface Sync {
  ctx: ReconcileContext;
  cj: CronJob;
  /** The CronJob with apiVersion and kind, as events and ownerReferences name it. */
  about: CronJob;
  status: NonNullable<CronJob['status']>;
  jobs: Job[];
  now: number;
}

async function syncCronJob(ctx: ReconcileContext, key: string, now: number): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const cj = ctx.listers.get<CronJob>(CRONJOBS).get(namespace, name);
  if (!cj) return;
  const jobs = ctx.listers.get<Job>(JOBS).namespace(namespace).list().filter((j) => controllerRefOf(j)?.uid === cj.metadata.uid);
  const s: Sync = { ctx, cj, about: { ...cj, apiVersion: 'batch/v1', kind: 'CronJob' }, status: cloneJson(cj.status ?? {}), jobs, now };
  let requeue: number | undefined;
  let failure: unknown;
  try {
    await reconcileActive(s);
    requeue = await schedule(s);
  } catch (err) {
    failure = err;
  }
  await writeStatus(s);
  if (failure) throw failure;
  await cleanupFinishedJobs(s);
  if (requeue !== undefined) return { requeueAfterMs: requeue };
}

/** Reconciles status.active with the Jobs that exist (SawCompletedJob, MissingJob, UnexpectedJob, lastSuccessfulTime). */
async function reconcileActive(s: Sync): Promise<void> {
  const { ctx, about } = s;
  const active = (s.status.active ??= []);
  for (const job of s.jobs) {
    const index = active.findIndex((ref) => ref.uid === job.metadata.uid);
    const finished = finishedCondition(job);
    if (index < 0 && !finished) {
      ctx.recorder.event(about, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${job.metadata.name}`);
    } else if (index >= 0 && finished) {
      active.splice(index, 1);
      ctx.recorder.event(about, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished.type}`);
    }
    const completion = job.status?.completionTime;
    if (finished?.type === 'Complete' && completion && (!s.status.lastSuccessfulTime || Date.parse(completion) > Date.parse(s.status.lastSuccessfulTime))) {
      s.status.lastSuccessfulTime = completion;
    }
  }
  const existing = new Set(s.jobs.map((j) => j.metadata.uid));
  for (const ref of [...active]) {
    if (existing.has(ref.uid)) continue;
    // The cache may lag: only a live 404 proves the Job is gone.
    const live = await ignoreCodes(ctx.client.get(JOBS, ref.namespace, ref.name!));
    if (live) continue;
    ctx.recorder.event(about, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    active.splice(active.indexOf(ref), 1);
  }
}

/** Starts the Job for the most recent unmet schedule time, if any; returns ms until the next one. */
async function schedule(s: Sync): Promise<number | undefined> {
  const { ctx, cj, about, now } = s;
  if (cj.metadata.deletionTimestamp || cj.spec.suspend) return undefined;
  let sched: CronSchedule;
  try {
    sched = parseCron(cj.spec.schedule);
  } catch (err) {
    ctx.recorder.event(about, 'Warning', 'UnparseableSchedule', `unparseable schedule: "${cj.spec.schedule}" : ${(err as Error).message}`);
    return undefined;
  }
  const timeZone = cj.spec.timeZone;
  if (timeZone && !knownTimeZone(timeZone)) {
    ctx.recorder.event(about, 'Warning', 'UnknownTimeZone', `invalid timeZone: "${timeZone}": unknown time zone ${timeZone}`);
    return undefined;
  }
  const untilNext = (): number => nextRun(sched, timeZone, new Date(now)).getTime() - now + NEXT_SCHEDULE_DELTA_MS;
  const recent = mostRecentScheduleTime(cj, sched, now);
  if (recent.missed > TOO_MANY_MISSED) {
    ctx.recorder.event(about, 'Warning', 'TooManyMissedTimes', `too many missed start times: ${recent.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`);
  }
  const scheduled = recent.time;
  if (!scheduled) return untilNext();
  const deadline = cj.spec.startingDeadlineSeconds;
  if (deadline !== undefined && deadline !== null && scheduled.getTime() + deadline * 1000 < now) {
    ctx.recorder.event(about, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return untilNext();
  }
  const name = jobNameFor(cj, scheduled);
  const active = s.status.active ?? [];
  const last = s.status.lastScheduleTime;
  if (active.some((ref) => ref.name === name) || (last && Date.parse(last) === scheduled.getTime())) return untilNext();
  if (cj.spec.concurrencyPolicy === 'Forbid' && active.length > 0) {
    ctx.recorder.event(about, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return untilNext();
  }
  if (cj.spec.concurrencyPolicy === 'Replace') {
    for (const ref of [...active]) {
      await deleteJob(s, ref.name!);
      active.splice(active.indexOf(ref), 1);
    }
  }
  const job = await createJob(s, scheduled);
  if (!job) return untilNext();
  s.status.active = [...active, jobRef(job)];
  s.status.lastScheduleTime = new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return untilNext();
}

/** Creates the Job (getJobFromTemplate2); an existing Job of the same name that this CronJob controls is taken as created. */
async function createJob(s: Sync, scheduled: Date): Promise<Job | undefined> {
  const { ctx, cj, about } = s;
  const template = cj.spec.jobTemplate;
  const job: Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduled),
      namespace: cj.metadata.namespace,
      labels: { ...template.metadata?.labels },
      annotations: { ...template.metadata?.annotations, [CRONJOB_SCHEDULED_TIMESTAMP]: formatInZone(scheduled, cj.spec.timeZone) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: cloneJson(template.spec),
  };
  try {
    const created = await ctx.client.create<Job>(JOBS, job);
    ctx.recorder.event(about, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    return created;
  } catch (err) {
    if (statusCode(err) !== 409) {
      ctx.recorder.event(about, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
      throw err;
    }
    const existing = await ctx.client.get<Job>(JOBS, cj.metadata.namespace, job.metadata.name!);
    if (controllerRefOf(existing)?.uid !== cj.metadata.uid || s.status.active?.some((r) => r.uid === existing.metadata.uid)) return undefined;
    return existing;
  }
}

/** Deletes a Job with propagationPolicy Background (deleteJob), recording SuccessfulDelete or FailedDelete. */
async function deleteJob(s: Sync, name: string): Promise<void> {
  try {
    await ignoreCodes(s.ctx.client.delete(JOBS, s.cj.metadata.namespace, name, { propagationPolicy: 'Background' }));
    s.ctx.recorder.event(s.about, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
  } catch (err) {
    s.ctx.recorder.event(s.about, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
    throw err;
  }
}

/** cleanupFinishedJobs: deletes the oldest finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit. */
async function cleanupFinishedJobs(s: Sync): Promise<void> {
  const { successfulJobsHistoryLimit: okLimit, failedJobsHistoryLimit: failLimit } = s.cj.spec;
  const byType = (type: string): Job[] => s.jobs.filter((j) => finishedCondition(j)?.type === type).sort(byStartTime);
  for (const [jobs, limit] of [[byType('Complete'), okLimit], [byType('Failed'), failLimit]] as const) {
    if (limit === undefined || limit === null) continue;
    for (const job of jobs.slice(0, Math.max(0, jobs.length - limit))) await deleteJob(s, job.metadata.name!);
  }
}

/** byJobStartTime: by status.startTime (Jobs without one last), then by name. */
function byStartTime(a: Job, b: Job): number {
  const ta = a.status?.startTime ? Date.parse(a.status.startTime) : Infinity;
  const tb = b.status?.startTime ? Date.parse(b.status.startTime) : Infinity;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/** An ObjectReference to the Job as status.active holds it (kind, namespace, name, uid, apiVersion, resourceVersion). */
function jobRef(job: Job): ObjectReference {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}

/** Writes the status subresource when it changed. */
async function writeStatus(s: Sync): Promise<void> {
  const next = cloneJson(s.status);
  if (!next.active?.length) delete next.active;
  const before = cloneJson(s.cj.status ?? {});
  if (!before.active?.length) delete before.active;
  if (jsonEqual(before, next)) return;
  await s.ctx.client.updateStatus(CRONJOBS, { ...cloneJson(s.cj), status: next });
}

function knownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Go's time.RFC1123Z of a UTC time: `Mon, 02 Jan 2006 15:04:05 +0000`. */
function rfc1123z(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
