import type { KubeObject } from '../../api/object.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { isBlank, mediaType, parseBody, readBody, sendJson, sendRaw } from '../http.ts';
import type { WriteResult } from '../registry/resource-store.ts';
import type { HandlerContext } from './context.ts';
import { predicateFor } from './filter.ts';
import { scopePrefix } from './list.ts';
import { applyWarnings, sendObject } from './respond.ts';
import { deleteOptions } from './write-options.ts';

/** Resources whose delete answers with the deleted object rather than a Status (Kubernetes' ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['/pods', '/services', 'apiextensions.k8s.io/customresourcedefinitions']);

/** DeleteOptions from the body, or undefined when the request has none (kubectl usually sends one; many clients do not). */
async function optionalBody(ctx: HandlerContext): Promise<Record<string, unknown> | undefined> {
  if (ctx.req.headers['content-length'] === '0') return undefined;
  const body = await readBody(ctx.req);
  // Checked before parsing: an empty body is the common case, and an error object is costly to build.
  if (isBlank(body)) return undefined;
  return parseBody(body, mediaType(ctx.req)) as Record<string, unknown> | undefined;
}

/**
 * DELETE of one object. An object deleted at once is answered with a `Status` Success (or the object
 * itself for pods and services); one whose deletion is pending (finalizers, graceful pod deletion)
 * with the object carrying its deletionTimestamp.
 */
export async function handleDelete(ctx: HandlerContext): Promise<void> {
  const options = deleteOptions(ctx, await optionalBody(ctx));
  const result = await ctx.store.delete(ctx.request.namespace, ctx.request.name!, options);
  if (!result.deleted || RETURNS_DELETED_OBJECT.has(`${ctx.info.group}/${ctx.info.resource}`)) {
    sendObject(ctx, 200, result.object, result.bytes ?? result.json);
    return;
  }
  applyWarnings(ctx);
  sendJson(ctx.res, 200, successStatus(ctx, result.object));
}

function successStatus(ctx: HandlerContext, object: KubeObject): Record<string, unknown> {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: object.metadata.name, group: ctx.info.group || undefined, kind: ctx.info.resource, uid: object.metadata.uid },
  };
}

/** DELETE of a collection: deletes every object matching the selectors, answers the list of them. */
export async function handleDeleteCollection(ctx: HandlerContext): Promise<void> {
  const options = deleteOptions(ctx, await optionalBody(ctx));
  const predicate = predicateFor(ctx.info, ctx.query);
  await ctx.cache.sync();
  const targets = ctx.cache.resource(ctx.store.prefix).sorted(scopePrefix(ctx)).filter((e) => predicate(e.object));
  const results: WriteResult[] = [];
  for (const target of targets) {
    const meta = target.object.metadata;
    try {
      results.push(await ctx.store.delete(meta.namespace, meta.name!, options));
    } catch (err) {
      // Objects deleted concurrently are simply gone; anything else is a real failure.
      if (!(err instanceof Error && 'code' in err && (err as { code: number }).code === 404)) throw err;
    }
  }
  const head = `{"kind":${JSON.stringify(`${ctx.info.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(ctx.info))},"metadata":{"resourceVersion":"${ctx.cache.currentRevision()}"},"items":[`;
  sendRaw(ctx.res, 200, head + results.map((r) => r.json).join(',') + ']}');
}
