/**
 * Creating and deleting a controller's pods (pkg/controller RealPodControl and slowStartBatch),
 * with the Events Kubernetes records on the controller: SuccessfulCreate / FailedCreate,
 * SuccessfulDelete / FailedDelete.
 */
import { cloneJson, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import { ignoreNotFound, newControllerRef } from './controller-ref.ts';
import type { Pod, PodTemplate } from './workload-types.ts';

/** The pods resource. */
export const PODS = findResource('', 'v1', 'pods')!;
/** Kubernetes' SlowStartInitialBatchSize: the first batch of creates is one pod. */
export const SLOW_START_INITIAL_BATCH = 1;

/** The controller object owning the pods, with the apiVersion and kind its ownerReferences name. */
export interface PodOwner {
  object: KubeObject;
  apiVersion: string;
  kind: string;
}

/**
 * A pod for `template`, owned by `owner` (controller.GetPodFromTemplate): labels, annotations and
 * finalizers from the template, generateName `<owner name>-`, the owner's namespace, one
 * controller ownerReference with blockOwnerDeletion, and the template's spec.
 */
export function podFromTemplate(template: PodTemplate, owner: PodOwner): Pod {
  const meta = template.metadata ?? {};
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${owner.object.metadata.name}-`,
      namespace: owner.object.metadata.namespace,
      ownerReferences: [newControllerRef(owner.object, owner.apiVersion, owner.kind)],
    },
    spec: cloneJson(template.spec ?? {}),
  };
  if (meta.labels) pod.metadata.labels = { ...meta.labels };
  if (meta.annotations) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}

/** What a batch of writes achieved: the objects written and the first error, if any. */
export interface BatchResult {
  done: KubeObject[];
  error?: Error;
}

/**
 * Creates `count` pods from the owner's template in batches of 1, 2, 4, ... (slowStartBatch), so
 * that a failing create (quota, admission) fails once rather than `count` times; it stops after the
 * first batch with an error. Records SuccessfulCreate "Created pod: NAME" or FailedCreate
 * "Error creating: MSG" on the owner.
 */
export async function createPods(client: KubeClient, recorder: EventRecorder, owner: PodOwner, template: PodTemplate, count: number): Promise<BatchResult> {
  const done: KubeObject[] = [];
  let remaining = count;
  for (let batch = Math.min(remaining, SLOW_START_INITIAL_BATCH); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => createPod(client, recorder, owner, template)));
    let error: Error | undefined;
    for (const r of results) {
      if (r.status === 'fulfilled') done.push(r.value);
      else error ??= r.reason as Error;
    }
    if (error) return { done, error };
    remaining -= batch;
  }
  return { done };
}

async function createPod(client: KubeClient, recorder: EventRecorder, owner: PodOwner, template: PodTemplate): Promise<Pod> {
  const eventObject = { ...owner.object, apiVersion: owner.apiVersion, kind: owner.kind };
  try {
    const pod = await client.create<Pod>(PODS, podFromTemplate(template, owner));
    recorder.event(eventObject, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    return pod;
  } catch (err) {
    recorder.event(eventObject, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
    throw err;
  }
}

/**
 * Deletes pods in parallel, each with a uid precondition so a replaced pod is never hit. A pod
 * already gone counts as deleted (without an event). Records SuccessfulDelete "Deleted pod: NAME" or FailedDelete
 * "Error deleting: MSG" on the owner.
 */
export async function deletePods(client: KubeClient, recorder: EventRecorder, owner: PodOwner, pods: Pod[]): Promise<BatchResult> {
  const eventObject = { ...owner.object, apiVersion: owner.apiVersion, kind: owner.kind };
  const results = await Promise.allSettled(
    pods.map(async (pod) => {
      try {
        const gone = await ignoreNotFound(client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
        // A pod that was already gone is no failure, and Kubernetes records no event for it.
        if (gone) recorder.event(eventObject, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        return pod;
      } catch (err) {
        recorder.event(eventObject, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    }),
  );
  const done: KubeObject[] = [];
  let error: Error | undefined;
  for (const r of results) {
    if (r.status === 'fulfilled') done.push(r.value);
    else error ??= r.reason as Error;
  }
  return { done, error };
}
