import { conflict, invalid, STALE_OBJECT_MESSAGE } from '../../api/errors.ts';
import { jsonEqual, nowTimestamp, type KubeObject } from '../../api/object.ts';
import { trackUpdate } from '../../api/patch/managed-fields.ts';
import { applyMergePatch } from '../../api/patch/merge-patch.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { validateUpdate } from '../../api/validation/index.ts';
import type { HandlerContext } from './context.ts';
import { validateFields } from './decode.ts';
import { sendObject } from './respond.ts';
import { writeOptions } from './write-options.ts';

/** A merge patch of pods/status that changes nothing but status (what kubelets send). */
interface StatusOnlyPatch {
  status: Record<string, unknown>;
  uid?: string;
  resourceVersion?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patch when it is a JSON merge patch of pods/status whose body holds only `status` (an object)
 * and at most `metadata.uid` / `metadata.resourceVersion` as preconditions (and matching
 * apiVersion/kind); undefined for anything else, which takes the generic PATCH path.
 */
export function statusOnlyPatch(ctx: HandlerContext, type: string, body: unknown): StatusOnlyPatch | undefined {
  const { info, request } = ctx;
  if (type !== 'application/merge-patch+json' || request.subresource !== 'status' || info.resource !== 'pods' || info.group !== '') return undefined;
  if (!isObject(body) || !isObject(body.status)) return undefined;
  let uid: string | undefined;
  let resourceVersion: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'status') continue;
    if (key === 'apiVersion' && value === 'v1') continue;
    if (key === 'kind' && value === 'Pod') continue;
    if (key !== 'metadata' || !isObject(value)) return undefined;
    for (const [field, v] of Object.entries(value)) {
      if (field === 'uid' && typeof v === 'string') uid = v;
      else if (field === 'resourceVersion' && typeof v === 'string') resourceVersion = v;
      else return undefined;
    }
  }
  return { status: body.status, uid, resourceVersion };
}

/** Thrown inside the storage update when the patch would change nothing. */
class Unchanged extends Error {}

/**
 * Applies a status-only merge patch to a pod (the kubelet's status writes): the same outcome as the
 * generic PATCH path (merge into status, uid and resourceVersion preconditions as 409 Conflict,
 * field validation, update validation, managedFields of the writer, no write when nothing
 * changes), but the pod is not copied: the new object shares metadata and spec with the cached
 * one, and managedFields are computed over metadata and status only (spec cannot change through
 * this subresource). At scale, pods/status is the API server's most frequent write after Leases.
 */
export async function handlePodStatusPatch(ctx: HandlerContext, patch: StatusOnlyPatch): Promise<void> {
  const name = ctx.request.name!;
  const namespace = ctx.request.namespace;
  const options = writeOptions(ctx);
  // Unknown fields are reported (Warn) or refused (Strict) as for any patch; only status can have them here.
  validateFields(ctx, { apiVersion: 'v1', kind: 'Pod', metadata: {}, status: patch.status }, ctx.info.model);
  try {
    const result = await ctx.store.updateDirect(namespace, name, (pod) => statusPatched(ctx, pod, patch, options.fieldManager), { dryRun: options.dryRun });
    sendObject(ctx, 200, result.object, result.bytes ?? result.json);
  } catch (err) {
    if (!(err instanceof Unchanged)) throw err;
    // Kubernetes skips the write of an unchanged object and answers with it as it is.
    const current = await ctx.store.get(namespace, name);
    sendObject(ctx, 200, current.object, current.bytes ?? current.json);
  }
}

function statusPatched(ctx: HandlerContext, pod: KubeObject, patch: StatusOnlyPatch, manager: string): KubeObject {
  const name = pod.metadata.name ?? '';
  if (patch.uid !== undefined && patch.uid !== pod.metadata.uid) {
    throw conflict('pods', '', name, `Precondition failed: UID in precondition: ${patch.uid}, UID in object meta: ${pod.metadata.uid ?? ''}`);
  }
  if (patch.resourceVersion !== undefined && patch.resourceVersion !== pod.metadata.resourceVersion) throw conflict('pods', '', name, STALE_OBJECT_MESSAGE);
  const status = applyMergePatch(pod.status ?? {}, patch.status) as Record<string, unknown>;
  if (jsonEqual(status, pod.status ?? {})) throw new Unchanged();
  const { resourceVersion: _rv, ...metadata } = pod.metadata;
  const next: KubeObject = { ...pod, metadata, status };
  const causes = validateUpdate(ctx.info, next, pod);
  if (causes.length > 0) throw invalid('Pod', '', name, causes);
  // Ownership over metadata and status only: the same answer as over the whole pod, since spec is shared unchanged.
  const slim = (o: KubeObject): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, status: o.status });
  const tracked = trackUpdate(slim(pod), slim(next), { manager, model: ctx.info.model, apiVersion: apiVersionOf(ctx.info), now: nowTimestamp(), subresource: 'status' });
  return { ...next, metadata: tracked.metadata };
}
