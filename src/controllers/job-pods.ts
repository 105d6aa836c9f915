/**
 * The Job controller's pod writes: pods built from the Job's template with the tracking
 * finalizer (and, for Indexed Jobs, the completion index annotation, label, hostname and env
 * var), created in slow-start batches, and the finalizer removed once a pod is counted.
 */
import type { KubeClient } from '../client/interface.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import type { BatchResult } from './pod-control.ts';
import { PODS, podFromTemplate, SLOW_START_INITIAL_BATCH } from './pod-control.ts';
import { ignoreCodes } from './object-patches.ts';
import { JOB_COMPLETION_INDEX, JOB_COMPLETION_INDEX_ENV, JOB_TRACKING_FINALIZER, type Job } from './job-types.ts';
import type { Pod } from './workload-types.ts';

type Container = { env?: { name: string; [k: string]: unknown }[]; [k: string]: unknown };

/**
 * A pod for the Job (GetPodFromTemplate plus the Job controller's additions): the tracking
 * finalizer, and for an index the annotation and label batch.kubernetes.io/job-completion-index,
 * generateName `<job>-<index>-`, hostname `<job>-<index>` (unless the template sets one) and the
 * env var JOB_COMPLETION_INDEX read from the annotation in every container and init container.
 */
export function jobPod(job: Job, index: number | undefined): Pod {
  const pod = podFromTemplate(job.spec.template ?? {}, { object: job, apiVersion: 'batch/v1', kind: 'Job' });
  pod.metadata.finalizers = [...(pod.metadata.finalizers ?? []), JOB_TRACKING_FINALIZER];
  if (index === undefined) return pod;
  const name = job.metadata.name!;
  pod.metadata.generateName = `${name}-${index}-`;
  pod.metadata.annotations = { ...pod.metadata.annotations, [JOB_COMPLETION_INDEX]: String(index) };
  pod.metadata.labels = { ...pod.metadata.labels, [JOB_COMPLETION_INDEX]: String(index) };
  const spec = (pod.spec ??= {}) as Record<string, unknown>;
  spec.hostname ??= `${name}-${index}`;
  for (const field of ['containers', 'initContainers']) {
    for (const c of (spec[field] as Container[] | undefined) ?? []) addIndexEnv(c);
  }
  return pod;
}

function addIndexEnv(container: Container): void {
  if (container.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) return;
  const fieldPath = `metadata.annotations['${JOB_COMPLETION_INDEX}']`;
  container.env = [...(container.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } }];
}

/**
 * Creates one pod per entry of `indexes` (undefined: a NonIndexed pod) in batches of 1, 2, 4, ...
 * (slowStartBatch), stopping after a batch with an error. Records SuccessfulCreate "Created pod:
 * NAME" or FailedCreate "Error creating: MSG" on the Job.
 */
export async function createJobPods(client: KubeClient, recorder: EventRecorder, job: Job, indexes: (number | undefined)[]): Promise<BatchResult> {
  const done: Pod[] = [];
  let next = 0;
  for (let batch = Math.min(indexes.length, SLOW_START_INITIAL_BATCH); batch > 0; batch = Math.min(2 * batch, indexes.length - next)) {
    const slice = indexes.slice(next, next + batch);
    next += batch;
    const results = await Promise.allSettled(slice.map((index) => createOne(client, recorder, job, index)));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') done.push(r.value);
      else error ??= r.reason as Error;
    }
    if (error) return { done, error };
  }
  return { done };
}

async function createOne(client: KubeClient, recorder: EventRecorder, job: Job, index: number | undefined): Promise<Pod> {
  const about = { ...job, apiVersion: 'batch/v1', kind: 'Job' };
  try {
    const pod = await client.create<Pod>(PODS, jobPod(job, index));
    recorder.event(about, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    return pod;
  } catch (err) {
    recorder.event(about, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
    throw err;
  }
}

/** Whether the pod still carries the Job tracking finalizer. */
export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/**
 * Removes the tracking finalizer with a JSON patch guarded by the pod's uid and current list.
 * Resolves true once the finalizer is gone (a vanished pod counts), false when a concurrent
 * change made the guarded patch fail (the pod's update event brings the Job back).
 */
export async function removeTrackingFinalizer(client: KubeClient, pod: Pod): Promise<boolean> {
  const current = pod.metadata.finalizers ?? [];
  const rest = current.filter((f) => f !== JOB_TRACKING_FINALIZER);
  const ops = [
    { op: 'test', path: '/metadata/uid', value: pod.metadata.uid },
    { op: 'test', path: '/metadata/finalizers', value: current },
    rest.length > 0 ? { op: 'replace', path: '/metadata/finalizers', value: rest } : { op: 'remove', path: '/metadata/finalizers' },
  ];
  try {
    await ignoreCodes(client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, ops, { type: 'json' }));
    return true;
  } catch (err) {
    const code = (err as { code?: number }).code;
    if (code === 409 || code === 422) return false;
    throw err;
  }
}
