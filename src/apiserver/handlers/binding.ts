import { badRequest, conflict, StatusError } from '../../api/errors.ts';
import { nowTimestamp, type KubeObject } from '../../api/object.ts';
import { sendJson } from '../http.ts';
import type { HandlerContext } from './context.ts';
import { readJsonBody } from './decode.ts';
import { writeOptions } from './write-options.ts';

interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

interface Binding {
  metadata?: { name?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
  target?: { kind?: string; name?: string };
}

/**
 * Binds a pod to a node (`pods/binding`, or the `bindings` resource) as the Kubernetes binding
 * registry's assignPod does: the Binding's uid and resourceVersion are preconditions, a pod being
 * deleted or already bound is a 409 Conflict, then spec.nodeName, the Binding's annotations and the
 * PodScheduled=True condition are written in one storage update. Like assignPod (which calls
 * GuaranteedUpdate directly) it skips defaulting, validation and managedFields, which keeps the
 * scheduler's hottest write cheap.
 */
export async function handleBinding(ctx: HandlerContext): Promise<void> {
  const binding = (await readJsonBody(ctx)) as Binding | undefined;
  const podName = ctx.request.subresource === 'binding' ? ctx.request.name! : binding?.metadata?.name;
  if (!podName) throw badRequest('Binding.metadata.name is required');
  if (ctx.request.subresource === 'binding' && binding?.metadata?.name && binding.metadata.name !== podName) throw badRequest('name in URL does not match name in Binding object');
  const node = binding?.target?.name;
  if (!node) throw new StatusError(422, 'Invalid', 'Binding "" is invalid: target.name: Required value', { causes: [{ field: 'target.name', message: 'Required value', reason: 'FieldValueRequired' }] });
  const pods = ctx.stores.byResource('', 'pods')!;
  const { dryRun } = writeOptions(ctx);
  await pods.updateDirect(ctx.request.namespace, podName, (pod) => assignPod(pod, podName, node, binding?.metadata ?? {}), { dryRun });
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/** The bound pod: a new object sharing the untouched parts of `pod` (which is frozen and stays unchanged). */
function assignPod(pod: KubeObject, podName: string, node: string, meta: NonNullable<Binding['metadata']>): KubeObject {
  const { uid, resourceVersion } = pod.metadata;
  if (meta.uid && meta.uid !== uid) throw conflict('pods', '', podName, `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${uid}`);
  if (meta.resourceVersion && meta.resourceVersion !== resourceVersion) {
    throw conflict('pods', '', podName, `Precondition failed: ResourceVersion in precondition: ${meta.resourceVersion}, ResourceVersion in meta: ${resourceVersion}`);
  }
  if (pod.metadata.deletionTimestamp) throw conflict('pods', '', podName, 'pod is being deleted, cannot be assigned to a host');
  const spec = (pod.spec ?? {}) as { nodeName?: string };
  if (spec.nodeName) throw conflict('pods', '', podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
  const status = (pod.status ?? {}) as { conditions?: PodCondition[] };
  const metadata = meta.annotations ? { ...pod.metadata, annotations: { ...pod.metadata.annotations, ...meta.annotations } } : pod.metadata;
  return { ...pod, metadata, spec: { ...spec, nodeName: node }, status: { ...status, conditions: scheduledConditions(status.conditions ?? []) } };
}

/** PodScheduled=True, replacing an existing PodScheduled condition in place (podutil.UpdatePodCondition). */
function scheduledConditions(conditions: PodCondition[]): PodCondition[] {
  const scheduled: PodCondition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() };
  const at = conditions.findIndex((c) => c.type === 'PodScheduled');
  if (at < 0) return [...conditions, scheduled];
  const old = conditions[at]!;
  // The transition time moves only when the status changes, as UpdatePodCondition does.
  const next = old.status === 'True' ? { ...scheduled, lastTransitionTime: old.lastTransitionTime } : scheduled;
  return conditions.map((c, i) => (i === at ? next : c));
}
