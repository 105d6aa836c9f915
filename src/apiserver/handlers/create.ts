import { StatusError, notFound } from '../../api/errors.ts';
import type { HandlerContext } from './context.ts';
import { decodeObject } from './decode.ts';
import { sendObject } from './respond.ts';
import { writeOptions } from './write-options.ts';

/**
 * NamespaceLifecycle admission: objects may only be created in a namespace that exists and is not
 * being deleted (404 NotFound / 403 Forbidden with Kubernetes' messages). An active namespace in
 * the cache admits at once; a missing or terminating one is looked up again after a sync with the
 * store (it may have been created through another API server), as Kubernetes' admission plugin
 * falls back to a live read when its informer does not have the namespace.
 */
export async function admitNamespace(ctx: HandlerContext): Promise<void> {
  const namespace = ctx.request.namespace;
  if (!ctx.info.namespaced || !namespace) return;
  const namespaces = ctx.stores.byResource('', 'namespaces')!;
  let found = namespaces.peek(undefined, namespace);
  if (!found || found.object.metadata.deletionTimestamp) {
    await ctx.cache.sync();
    found = namespaces.peek(undefined, namespace);
  }
  if (!found) throw notFound('namespaces', '', namespace);
  if (found.object.metadata.deletionTimestamp) {
    throw new StatusError(403, 'Forbidden', `${ctx.info.resource}${ctx.info.group ? `.${ctx.info.group}` : ''} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`);
  }
}

/** POST to a collection: creates the object in the body. */
export async function handleCreate(ctx: HandlerContext): Promise<void> {
  if (ctx.info.namespaced && !ctx.request.namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  const object = await decodeObject(ctx);
  await admitNamespace(ctx);
  const result = await ctx.store.createOwned(ctx.request.namespace, object, writeOptions(ctx));
  sendObject(ctx, 201, result.object, result.bytes ?? result.json);
}
