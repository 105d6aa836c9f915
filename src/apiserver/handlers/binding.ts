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

/**
 * Binds a pod to a node (`pods/binding`, or the `bindings` resource): sets spec.nodeName once and
 * marks the pod PodScheduled, as the Kubernetes binding registry does. Binding an already bound
 * pod is a 409 Conflict.
 */
export async function handleBinding(ctx: HandlerContext): Promise<void> {
  const binding = (await readJsonBody(ctx)) as { metadata?: { name?: string }; target?: { kind?: string; name?: string } };
  const podName = ctx.request.subresource === 'binding' ? ctx.request.name! : binding?.metadata?.name;
  if (!podName) throw badRequest('Binding.metadata.name is required');
  const node = binding?.target?.name;
  if (!node) throw new StatusError(422, 'Invalid', 'Binding "" is invalid: target.name: Required value', { causes: [{ field: 'target.name', message: 'Required value', reason: 'FieldValueRequired' }] });
  const pods = ctx.stores.byResource('', 'pods')!;
  await pods.update(
    ctx.request.namespace,
    podName,
    (pod) => {
      const current = pod as KubeObject;
      const spec = current.spec as { nodeName?: string };
      if (current.metadata.deletionTimestamp) throw conflict('pods', '', podName, 'pod is being deleted, cannot be assigned to a host');
      if (spec.nodeName) throw conflict('pods', '', podName, `pod ${podName} is already assigned to node "${spec.nodeName}"`);
      spec.nodeName = node;
      const status = (current.status ??= {}) as { conditions?: PodCondition[] };
      const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: nowTimestamp() });
      status.conditions = conditions;
      return current;
    },
    { ...writeOptions(ctx), subresource: 'binding', internal: true },
  );
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
