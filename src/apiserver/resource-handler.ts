import { methodNotAllowed, StatusError } from '../api/errors.ts';
import type { HandlerContext, UpgradeContext } from './handlers/context.ts';
import { handleBinding } from './handlers/binding.ts';
import { handleCreate } from './handlers/create.ts';
import { handleDelete, handleDeleteCollection } from './handlers/delete.ts';
import { handleGet } from './handlers/get.ts';
import { handleList } from './handlers/list.ts';
import { handlePatch } from './handlers/patch.ts';
import { handleScale } from './handlers/scale.ts';
import { handleUpdate } from './handlers/update.ts';
import { handleWatch } from './handlers/watch.ts';

type Handler = (ctx: HandlerContext) => Promise<void>;

/** Subresources that behave like the object itself, with a narrower write. */
const OBJECT_SUBRESOURCES = new Set(['status', 'finalize']);

/** Extra handlers for subresources served by other parts of skiff (eviction, logs, exec, ...). */
const subresourceHandlers = new Map<string, Handler>();

/** Registers the handler of `resource/subresource` (e.g. `pods/eviction`), for components built elsewhere. */
export function registerSubresource(resource: string, subresource: string, handler: Handler): void {
  subresourceHandlers.set(`${resource}/${subresource}`, handler);
}

type UpgradeHandler = (ctx: UpgradeContext) => Promise<void>;

/** Handlers of HTTP upgrade requests (websocket, SPDY) by `resource/subresource` (pods/exec, ...). */
const upgradeHandlers = new Map<string, UpgradeHandler>();

/** Registers the handler of upgrade requests to `resource/subresource` (streaming subresources). */
export function registerUpgradeSubresource(resource: string, subresource: string, handler: UpgradeHandler): void {
  upgradeHandlers.set(`${resource}/${subresource}`, handler);
}

/**
 * Routes an upgrade request: to its subresource's upgrade handler, 404 for a subresource the
 * resource does not have, 400 for a resource path that cannot be upgraded.
 */
export async function dispatchUpgrade(ctx: UpgradeContext): Promise<void> {
  const { subresource } = ctx.request;
  if (subresource && !ctx.info.subresources.includes(subresource)) throw notServed();
  const handler = subresource ? upgradeHandlers.get(`${ctx.info.resource}/${subresource}`) : undefined;
  if (!handler) throw new StatusError(400, 'BadRequest', 'the requested resource does not support upgrading the connection');
  return handler(ctx);
}

function notServed(): StatusError {
  return new StatusError(404, 'NotFound', 'the server could not find the requested resource');
}

/**
 * Routes a resource request to its handler by verb and subresource. Verbs the resource does not
 * support answer 405 MethodNotAllowed, unknown subresources 404, as in Kubernetes.
 */
export async function dispatchResource(ctx: HandlerContext): Promise<void> {
  const { verb, subresource, name } = ctx.request;
  const { info } = ctx;
  if (subresource) {
    if (!info.subresources.includes(subresource)) throw notServed();
    const extra = subresourceHandlers.get(`${info.resource}/${subresource}`);
    if (extra) return extra(ctx);
    if (subresource === 'scale' && (verb === 'get' || verb === 'update' || verb === 'patch')) return handleScale(ctx);
    if (subresource === 'binding' && verb === 'create') return handleBinding(ctx);
    if (OBJECT_SUBRESOURCES.has(subresource)) {
      if (verb === 'get') return handleGet(ctx);
      if (verb === 'update') return handleUpdate(ctx);
      if (verb === 'patch') return handlePatch(ctx);
    }
    throw methodNotAllowed();
  }
  const listVerb = verb === 'watch' ? 'watch' : verb;
  if (!info.verbs.includes(listVerb as never) && !(verb === 'watch' && info.verbs.includes('list'))) throw methodNotAllowed();
  switch (verb) {
    case 'get':
      return handleGet(ctx);
    case 'list':
      return handleList(ctx);
    case 'watch':
      return handleWatch(ctx);
    case 'create':
      if (name) throw methodNotAllowed();
      if (info.resource === 'bindings' && info.group === '') return handleBinding(ctx);
      return handleCreate(ctx);
    case 'update':
      return handleUpdate(ctx);
    case 'patch':
      return handlePatch(ctx);
    case 'delete':
      return handleDelete(ctx);
    case 'deletecollection':
      return handleDeleteCollection(ctx);
  }
}
