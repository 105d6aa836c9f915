import { badRequest, StatusError } from '../../api/errors.ts';
import { nowTimestamp, type KubeObject } from '../../api/object.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { applyJsonPatch } from '../../api/patch/json-patch.ts';
import { applyMergePatch } from '../../api/patch/merge-patch.ts';
import { applyStrategicMergePatch } from '../../api/patch/strategic-merge-patch.ts';
import { serverSideApply } from '../../api/patch/server-side-apply.ts';
import { mediaType, parseBody, readBody } from '../http.ts';
import type { HandlerContext } from './context.ts';
import { checkObject, validateFields } from './decode.ts';
import { handleStatusPatch, statusOnlyPatch } from './status-patch.ts';
import { sendObject } from './respond.ts';
import { writeOptions } from './write-options.ts';

type PatchFn = (current: KubeObject | undefined) => KubeObject;

/**
 * PATCH in the four Kubernetes patch types. The patch is applied to the latest object and the
 * result written as an update; when another writer wins the race the patch is applied again to
 * the newer object, unless the patch itself pins metadata.resourceVersion. Server-side apply
 * creates the object when it does not exist.
 */
export async function handlePatch(ctx: HandlerContext): Promise<void> {
  const type = mediaType(ctx.req);
  const body = parseBody(await readBody(ctx.req), type === 'application/apply-patch+yaml' ? type : 'application/json');
  const statusOnly = statusOnlyPatch(ctx, type, body);
  if (statusOnly) return handleStatusPatch(ctx, statusOnly);
  const name = ctx.request.name!;
  const options = writeOptions(ctx);
  const patch = patchFunction(ctx, type, body, name);
  const result = await ctx.store.update(
    ctx.request.namespace,
    name,
    (current) => {
      const patched = patch(current);
      if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw badRequest('the patch must produce an object');
      patched.metadata ??= {};
      // A resourceVersion carried over from the current object is not a precondition; one the patch sets is.
      if (current && patched.metadata.resourceVersion === current.metadata.resourceVersion && !patchSetsResourceVersion(body)) delete patched.metadata.resourceVersion;
      validateFields(ctx, patched, ctx.info.model);
      return patched;
    },
    { ...options, appliedFields: type === 'application/apply-patch+yaml', allowCreate: type === 'application/apply-patch+yaml' && !ctx.request.subresource },
  );
  sendObject(ctx, result.created ? 201 : 200, result.object, result.bytes ?? result.json);
}

function patchSetsResourceVersion(body: unknown): boolean {
  const meta = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata;
  return typeof meta === 'object' && meta !== null && meta.resourceVersion !== undefined;
}

function patchFunction(ctx: HandlerContext, type: string, body: unknown, name: string): PatchFn {
  const existing = (current: KubeObject | undefined): KubeObject => {
    if (!current) throw new StatusError(404, 'NotFound', `${ctx.info.resource} "${name}" not found`);
    return current;
  };
  switch (type) {
    case 'application/json-patch+json':
      if (!Array.isArray(body)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
      return (current) => applyJsonPatch(existing(current), body) as KubeObject;
    case 'application/merge-patch+json':
      return (current) => applyMergePatch(existing(current), body) as KubeObject;
    case 'application/strategic-merge-patch+json':
      return (current) => applyStrategicMergePatch(existing(current), body, ctx.info.model) as KubeObject;
    case 'application/apply-patch+yaml': {
      const manager = ctx.query.get('fieldManager');
      if (!manager) throw badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
      const force = ctx.query.get('force') === 'true';
      const applied = checkObject(ctx, body, ctx.info.kind, apiVersionOf(ctx.info), ctx.info.model);
      if (applied.metadata.name && applied.metadata.name !== name) {
        throw badRequest(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`);
      }
      return (current) =>
        serverSideApply(current, { ...applied, metadata: { ...applied.metadata, name } }, {
          manager,
          force,
          model: ctx.info.model,
          apiVersion: apiVersionOf(ctx.info),
          now: nowTimestamp(),
          subresource: ctx.request.subresource,
        });
    }
    default:
      throw new StatusError(415, 'UnsupportedMediaType', `the media type "${type}" is not supported for PATCH; supported: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`);
  }
}
