/**
 * Defaults of batch/v1 (pkg/apis/batch/v1/defaults.go) and the Job strategy's create-time selector
 * generation (pkg/registry/batch/job/strategy.go).
 */
import type { KubeObject } from '../object.ts';
import { defaultPodTemplate, ensure, setDefault } from './pod-spec.ts';

type Defaulter = (o: KubeObject) => void;

/**
 * Job: completions/parallelism 1 (when both unset), backoffLimit 6, completionMode NonIndexed,
 * suspend false, podReplacementPolicy (Failed with a podFailurePolicy, else TerminatingOrFailed),
 * manualSelector untouched, object labels from the template when it has none.
 */
function defaultJob(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  const unset = (v: unknown) => v === undefined || v === null;
  if (unset(spec.completions) && unset(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (unset(spec.parallelism)) spec.parallelism = 1;
  if (unset(spec.backoffLimit)) spec.backoffLimit = unset(spec.backoffLimitPerIndex) ? 6 : 2147483647;
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  copyTemplateLabels(o);
  defaultPodTemplate(spec.template);
  ensure(o, 'status');
}

function copyTemplateLabels(o: KubeObject): void {
  const template = (o.spec as Record<string, unknown>).template as Record<string, unknown> | undefined;
  const labels = (template?.metadata as Record<string, unknown> | undefined)?.labels as Record<string, string> | undefined;
  if (labels && Object.keys(labels).length && (!o.metadata.labels || Object.keys(o.metadata.labels).length === 0)) o.metadata.labels = { ...labels };
}

/** CronJob: concurrencyPolicy Allow, suspend false, history limits 3 and 1; its pod template defaults. */
function defaultCronJob(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = ensure(ensure(spec, 'jobTemplate'), 'spec');
  defaultPodTemplate(jobSpec.template);
  ensure(o, 'status');
}

/** Defaulters keyed by resource (batch group). */
export const BATCH_DEFAULTS: Record<string, Defaulter> = {
  jobs: defaultJob,
  cronjobs: defaultCronJob,
};

/**
 * The Job strategy's generateSelector (unless manualSelector is true): template labels
 * controller-uid, batch.kubernetes.io/controller-uid, job-name and batch.kubernetes.io/job-name
 * (user-set values kept), selector matchLabels batch.kubernetes.io/controller-uid = metadata.uid.
 */
function createJob(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  if (spec.manualSelector === true) return;
  const uid = o.metadata.uid ?? '';
  const name = o.metadata.name ?? '';
  const meta = ensure(ensure(spec, 'template'), 'metadata');
  const labels = ensure(meta, 'labels') as Record<string, string>;
  for (const key of ['job-name', 'batch.kubernetes.io/job-name']) labels[key] ??= name;
  for (const key of ['controller-uid', 'batch.kubernetes.io/controller-uid']) labels[key] ??= uid;
  const matchLabels = ensure(ensure(spec, 'selector'), 'matchLabels') as Record<string, string>;
  matchLabels['batch.kubernetes.io/controller-uid'] ??= uid;
  // Reads of a stored Job re-run defaulting, which copies these template labels onto the Job.
  copyTemplateLabels(o);
}

/** Create-time hooks keyed by resource (batch group). */
export const BATCH_CREATE: Record<string, Defaulter> = {
  jobs: createJob,
};
