/**
 * The scheduler's writes to the API besides status patches: binding a pod (POST pods/{name}/binding,
 * as the DefaultBinder does), and preempting a victim (DisruptionTarget condition, DELETE with a uid
 * precondition, a "Preempted" Event), as kube-scheduler's preemption Evaluator does.
 */
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import type { Binder } from './framework.ts';
import { withCondition, type PodCondition } from './pod-status.ts';
import type { Pod } from './types.ts';

/** core/v1 pods. */
export const PODS = findResource('', 'v1', 'pods')!;

/**
 * The address of one pod's binding subresource. KubeClient.create has no subresource option, so
 * the subresource path is folded into the resource segment: the REST client then POSTs to
 * /api/v1/namespaces/{ns}/pods/{name}/binding, exactly the URL client-go's Bind uses.
 */
export function bindingRef(podName: string): ResourceRef {
  return { group: '', version: 'v1', resource: `pods/${encodeURIComponent(podName)}/binding`, namespaced: true, kind: 'Binding' };
}

/** The pod as an object an Event can be about (kind and apiVersion always present). */
export function podObject(pod: Pod): KubeObject {
  return { ...(pod as KubeObject), apiVersion: 'v1', kind: 'Pod', metadata: pod.metadata ?? {} };
}

/** Whether an error is the API's 404 NotFound. */
export function isNotFound(err: unknown): boolean {
  return (err as { code?: number } | undefined)?.code === 404;
}

/** Binds pods through the API (DefaultBinder's Binding: the pod's namespace, name and uid, target kind Node). */
export class ApiBinder implements Binder {
  constructor(private readonly client: KubeClient) {}

  /** POSTs the Binding; rejects with the server's StatusError (409 when already bound). */
  async bind(pod: Pod, nodeName: string): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace, uid }, target: { kind: 'Node', name: nodeName } };
    await this.client.create(bindingRef(name ?? ''), binding as KubeObject, { namespace });
  }
}

/**
 * Preempts one victim (the Evaluator's PreemptPod): marks it DisruptionTarget=True with reason
 * PreemptionByScheduler, deletes it with its uid as precondition (a pod recreated under the same
 * name is left alone), then records "Preempted by pod <uid> on node <node>" on the victim. A victim
 * already being deleted, or already gone, needs nothing.
 */
export async function preemptVictim(client: KubeClient, recorder: EventRecorder, preemptor: Pod, victim: Pod, nodeName: string): Promise<void> {
  if (victim.metadata?.deletionTimestamp) return;
  const { namespace, name, uid } = victim.metadata ?? {};
  const schedulerName = preemptor.spec?.schedulerName ?? 'default-scheduler';
  const conditions = withCondition((victim.status?.conditions ?? []) as PodCondition[], {
    type: 'DisruptionTarget',
    status: 'True',
    reason: 'PreemptionByScheduler',
    message: `${schedulerName}: preempting to accommodate a higher priority pod`,
  });
  try {
    if (conditions) await client.patch(PODS, namespace, name ?? '', { status: { conditions } }, { type: 'strategic', subresource: 'status' });
    await client.delete(PODS, namespace, name ?? '', { preconditions: { uid } });
  } catch (err) {
    if (isNotFound(err)) return;
    throw err;
  }
  recorder.event(podObject(victim), 'Normal', 'Preempted', `Preempted by pod ${preemptor.metadata?.uid ?? ''} on node ${nodeName}`);
}

/** Clears status.nominatedNodeName of a pod (clearNominatedNodeName); a pod that is gone is ignored. */
export async function clearNominatedNodeName(client: KubeClient, pod: Pod): Promise<void> {
  if (!pod.status?.nominatedNodeName) return;
  try {
    await client.patch(PODS, pod.metadata?.namespace, pod.metadata?.name ?? '', { status: { nominatedNodeName: null } }, { type: 'strategic', subresource: 'status' });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
