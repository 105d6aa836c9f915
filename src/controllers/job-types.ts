/**
 * The JSON shapes of batch/v1 Job and CronJob as the Job, TTL-after-finished and CronJob
 * controllers read and write them, and the well-known labels, annotations and finalizer of
 * pkg/apis/batch. Only the fields the controllers use are spelled out.
 */
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { LabelSelectorSpec } from '../api/selectors/labels.ts';
import type { PodTemplate } from './workload-types.ts';

/** The jobs resource. */
export const JOBS = findResource('batch', 'v1', 'jobs')!;
/** The cronjobs resource. */
export const CRONJOBS = findResource('batch', 'v1', 'cronjobs')!;

/** batch.JobTrackingFinalizer: on every pod the Job controller creates, removed once the pod is counted. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** The completion index of an Indexed Job's pod (annotation and label). */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** The env var Kubernetes adds to each container of an Indexed Job's pod. */
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** The CronJob controller's annotation of the schedule time a Job was created for. */
export const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** batch/v1 JobCondition. */
export interface JobCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** batch/v1 UncountedTerminatedPods: uids of finished pods not yet in the counters. */
export interface UncountedTerminatedPods {
  succeeded?: string[];
  failed?: string[];
}

/** batch/v1 JobStatus. */
export interface JobStatus {
  conditions?: JobCondition[];
  startTime?: string;
  completionTime?: string;
  active?: number;
  succeeded?: number;
  failed?: number;
  terminating?: number;
  ready?: number;
  completedIndexes?: string;
  failedIndexes?: string;
  uncountedTerminatedPods?: UncountedTerminatedPods;
}

/** batch/v1 JobSpec (as defaulted by the API: parallelism, backoffLimit, completionMode, suspend set). */
export interface JobSpec {
  parallelism?: number;
  completions?: number | null;
  activeDeadlineSeconds?: number;
  backoffLimit?: number;
  completionMode?: 'NonIndexed' | 'Indexed';
  suspend?: boolean;
  ttlSecondsAfterFinished?: number;
  selector?: LabelSelectorSpec;
  manualSelector?: boolean;
  template?: PodTemplate;
  [field: string]: unknown;
}

/** batch/v1 Job. */
export interface Job extends KubeObject {
  spec: JobSpec;
  status?: JobStatus;
}

/** core/v1 ObjectReference as CronJob status.active holds it. */
export interface ObjectReference {
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  apiVersion?: string;
  resourceVersion?: string;
}

/** batch/v1 CronJob. */
export interface CronJob extends KubeObject {
  spec: {
    schedule: string;
    timeZone?: string;
    startingDeadlineSeconds?: number;
    concurrencyPolicy?: 'Allow' | 'Forbid' | 'Replace';
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    failedJobsHistoryLimit?: number;
    jobTemplate: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: JobSpec };
    [field: string]: unknown;
  };
  status?: { active?: ObjectReference[]; lastScheduleTime?: string; lastSuccessfulTime?: string };
}

/** The condition of `type` with status True, if any. */
export function trueCondition(job: Job, type: string): JobCondition | undefined {
  return job.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed (IsJobFinished): the Job controller is done with it. */
export function finishedCondition(job: Job): JobCondition | undefined {
  return trueCondition(job, 'Complete') ?? trueCondition(job, 'Failed');
}

/** When the Job finished: its Complete or Failed condition's lastTransitionTime. */
export function finishTime(job: Job): number | undefined {
  const cond = finishedCondition(job);
  return cond?.lastTransitionTime ? Date.parse(cond.lastTransitionTime) : undefined;
}
