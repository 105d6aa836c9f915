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

/** A merge patch of a status subresource that changes nothing but status (what kubelets and controllers send). */
interface StatusOnlyPatch {
  status: Record<string, unknown>;
  uid?: string;
  resourceVersion?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patch when it is a JSON merge patch of a status subresource whose body holds only `status`
 * (an object) and at most `metadata.uid` / `metadata.resourceVersion` as preconditions (and the
 * resource's own apiVersion/kind); undefined for anything else, which takes the generic PATCH path.
 */
export function statusOnlyPatch(ctx: HandlerContext, type: string, body: unknown): StatusOnlyPatch | undefined {
  const { info, request } = ctx;
  if (type !== 'application/merge-patch+json' || request.subresource !== 'status') return undefined;
  if (!isObject(body) || !isObject(body.status)) return undefined;
  let uid: string | undefined;
  let resourceVersion: string | undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key === 'status') continue;
    if (key === 'apiVersion' && value === apiVersionOf(info)) continue;
    if (key === 'kind' && value === info.kind) continue;
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
 * Applies a status-only merge patch to an object's status subresource (kubelets' pod and node
 * status writes, controllers' status): the same outcome as the generic PATCH path (merge into
 * status, uid and resourceVersion preconditions as 409 Conflict, field validation, update
 * validation, managedFields of the writer, no write when nothing changes), but the object is not
 * copied: the new one shares metadata and spec with the cached one, and managedFields are computed
 * over metadata and status only (spec cannot change through this subresource). At scale, pods/status
 * is the API server's most frequent write after Leases.
 */
export async function handleStatusPatch(ctx: HandlerContext, patch: StatusOnlyPatch): Promise<void> {
  const name = ctx.request.name!;
  const namespace = ctx.request.namespace;
  const options = writeOptions(ctx);
  // Unknown fields are reported (Warn) or refused (Strict) as for any patch; only status can have them here.
  validateFields(ctx, { apiVersion: apiVersionOf(ctx.info), kind: ctx.info.kind, metadata: {}, status: patch.status }, ctx.info.model);
  try {
    const result = await ctx.store.updateDirect(namespace, name, (current) => statusPatched(ctx, current, patch, options.fieldManager), { dryRun: options.dryRun });
    sendObject(ctx, 200, result.object, result.bytes ?? result.json);
  } catch (err) {
    if (!(err instanceof Unchanged)) throw err;
    // Kubernetes skips the write of an unchanged object and answers with it as it is.
    const current = await ctx.store.get(namespace, name);
    sendObject(ctx, 200, current.object, current.bytes ?? current.json);
  }
}

function statusPatched(ctx: HandlerContext, old: KubeObject, patch: StatusOnlyPatch, manager: string): KubeObject {
  const name = old.metadata.name ?? '';
  if (patch.uid !== undefined && patch.uid !== old.metadata.uid) {
    throw conflict(ctx.info.resource, ctx.info.group, name, `Precondition failed: UID in precondition: ${patch.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
  }
  if (patch.resourceVersion !== undefined && patch.resourceVersion !== old.metadata.resourceVersion) throw conflict(ctx.info.resource, ctx.info.group, name, STALE_OBJECT_MESSAGE);
  const status = applyMergePatch(old.status ?? {}, patch.status) as Record<string, unknown>;
  if (jsonEqual(status, old.status ?? {})) throw new Unchanged();
  const { resourceVersion: _rv, ...metadata } = old.metadata;
  const next: KubeObject = { ...old, metadata, status };
  const causes = validateUpdate(ctx.info, next, old);
  if (causes.length > 0) throw invalid(ctx.info.kind, ctx.info.group, name, causes);
  // Ownership over metadata and status only: the same answer as over the whole object, since spec is shared unchanged.
  const slim = (o: KubeObject): KubeObject => ({ apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata, status: o.status });
  const tracked = trackUpdate(slim(old), slim(next), { manager, model: ctx.info.model, apiVersion: apiVersionOf(ctx.info), now: nowTimestamp(), subresource: 'status' });
  return { ...next, metadata: tracked.metadata };
}
