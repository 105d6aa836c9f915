/**
 * batch/v1 validation (pkg/apis/batch/validation): Job and CronJob.
 */
import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { child, GoLiteral, goLabelSelector, immutable, invalid, nonNegative, notSupported, obj, required, str } from './field-errors.ts';
import { sameValue } from './meta.ts';
import { validateEnum, validatePodTemplateSpec } from './pod-spec.ts';
import { validateSelectorAndTemplate } from './apps.ts';

type Check = (o: KubeObject) => StatusCause[];
type UpdateCheck = (o: KubeObject, old: KubeObject) => StatusCause[];
const spec = (o: KubeObject) => obj(o.spec);

/** The label the generated Job selector uses. */
const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';

/** validateJobSpec, shared by Jobs and CronJob job templates (which carry no selector). */
function validateJobSpec(s: Record<string, unknown>, path: string, withSelector: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished']) causes.push(...nonNegative(child(path, f), s[f]));
  if (s.completionMode !== undefined) causes.push(...validateEnum(s.completionMode, child(path, 'completionMode'), ['NonIndexed', 'Indexed']));
  if (s.completionMode === 'Indexed' && (s.completions === undefined || s.completions === null)) {
    causes.push(required(child(path, 'completions'), 'when completion mode is Indexed'));
  }
  // Jobs check selector and template like workloads, but an empty selector is not rejected.
  if (withSelector) causes.push(...validateSelectorAndTemplate(s, path, undefined));
  else causes.push(...validatePodTemplateSpec(s.template, child(path, 'template')));
  const restart = str(obj(obj(s.template).spec).restartPolicy);
  if (restart !== 'OnFailure' && restart !== 'Never') {
    causes.push(restart ? notSupported(child(path, 'template', 'spec', 'restartPolicy'), restart, ['OnFailure', 'Never']) : required(child(path, 'template', 'spec', 'restartPolicy'), 'valid values: "OnFailure", "Never"'));
  }
  return causes;
}

/** A generated selector must be the one the job strategy generated from metadata.uid. */
function validateGeneratedSelector(o: KubeObject): StatusCause[] {
  const s = spec(o);
  if (s.manualSelector === true || !o.metadata.uid) return [];
  const selector = obj(s.selector);
  const labels = obj(selector.matchLabels);
  if (labels[CONTROLLER_UID] !== o.metadata.uid || selector.matchExpressions) {
    return [invalid('spec.selector', goLabelSelector(s.selector as Parameters<typeof goLabelSelector>[0]), '`selector` not auto-generated')];
  }
  const templateLabels = obj(obj(obj(s.template).metadata).labels);
  if (templateLabels[CONTROLLER_UID] !== o.metadata.uid) {
    return [invalid(`spec.template.metadata.labels[${CONTROLLER_UID}]`, str(templateLabels[CONTROLLER_UID]), `must be '${o.metadata.uid}'`)];
  }
  return [];
}

function validateJob(o: KubeObject): StatusCause[] {
  return [...validateGeneratedSelector(o), ...validateJobSpec(spec(o), 'spec', true)];
}

/**
 * Job updates: selector, completionMode and podFailurePolicy are immutable; the template is
 * immutable except scheduling directives while the job is suspended; completions may change only
 * together with parallelism for Indexed jobs (elastic indexed jobs).
 */
function validateJobUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const s = spec(o);
  const prev = spec(old);
  const causes = validateJob(o);
  causes.push(...immutable('spec.selector', s.selector, prev.selector, sameValue, goLabelSelector(s.selector as Parameters<typeof goLabelSelector>[0])));
  causes.push(...immutable('spec.completionMode', s.completionMode, prev.completionMode, sameValue));
  causes.push(...immutable('spec.podFailurePolicy', s.podFailurePolicy, prev.podFailurePolicy, sameValue, new GoLiteral('batch.PodFailurePolicy{...}')));
  const elastic = s.completionMode === 'Indexed' && s.completions === s.parallelism;
  if (!elastic) causes.push(...immutable('spec.completions', s.completions, prev.completions, sameValue));
  if (!sameValue(templateWithoutScheduling(s.template, prev.suspend === true), templateWithoutScheduling(prev.template, prev.suspend === true))) {
    causes.push(invalid('spec.template', new GoLiteral('core.PodTemplateSpec{...}'), 'field is immutable'));
  }
  return causes;
}

/** While a job is suspended (and never started) its template's scheduling directives may change. */
function templateWithoutScheduling(template: unknown, suspended: boolean): unknown {
  if (!suspended) return template;
  const t = structuredClone(obj(template));
  const podSpec = obj(t.spec);
  for (const k of ['nodeSelector', 'affinity', 'tolerations', 'schedulingGates']) delete podSpec[k];
  const meta = obj(t.metadata);
  delete meta.labels;
  delete meta.annotations;
  return t;
}

const CRON_DESCRIPTORS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];

/** Schedule syntax as robfig/cron's standard parser reports it. */
function validateSchedule(schedule: string, path: string): StatusCause[] {
  if (!schedule) return [required(path)];
  if (schedule.startsWith('@every ') || CRON_DESCRIPTORS.includes(schedule)) return [];
  if (schedule.startsWith('@')) return [invalid(path, schedule, `unrecognized descriptor: ${schedule}`)];
  const body = schedule.replace(/^(CRON_)?TZ=\S+\s+/, '');
  if (body !== schedule) return [invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead')];
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 5) return [invalid(path, schedule, `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`)];
  return [];
}

function validateCronJob(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = validateSchedule(str(s.schedule), 'spec.schedule');
  if (s.concurrencyPolicy !== undefined) causes.push(...validateEnum(s.concurrencyPolicy, 'spec.concurrencyPolicy', ['Allow', 'Forbid', 'Replace']));
  causes.push(...nonNegative('spec.startingDeadlineSeconds', s.startingDeadlineSeconds));
  causes.push(...nonNegative('spec.successfulJobsHistoryLimit', s.successfulJobsHistoryLimit), ...nonNegative('spec.failedJobsHistoryLimit', s.failedJobsHistoryLimit));
  if (typeof s.timeZone === 'string' && !validTimeZone(s.timeZone)) causes.push(invalid('spec.timeZone', s.timeZone, 'unknown time zone ' + s.timeZone));
  const template = obj(s.jobTemplate);
  const jobSpec = obj(template.spec);
  if (jobSpec.selector !== undefined) causes.push(invalid('spec.jobTemplate.spec.selector', goLabelSelector(jobSpec.selector as Parameters<typeof goLabelSelector>[0]), '`selector` will be auto-generated'));
  if (jobSpec.manualSelector === true) causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  causes.push(...validateJobSpec(jobSpec, 'spec.jobTemplate.spec', false));
  return causes;
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** CronJob names leave room for the 11-character suffix of the Jobs they create. */
function validateCronJobName(o: KubeObject): StatusCause[] {
  const name = o.metadata.name ?? '';
  return name.length > 52 ? [invalid('metadata.name', name, 'must be no more than 52 characters')] : [];
}

export const batchCreate: Record<string, Check> = {
  jobs: validateJob,
  cronjobs: (o) => [...validateCronJobName(o), ...validateCronJob(o)],
};

export const batchUpdate: Record<string, UpdateCheck> = {
  jobs: validateJobUpdate,
  cronjobs: (o) => validateCronJob(o),
};
