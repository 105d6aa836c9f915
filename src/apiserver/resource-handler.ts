import { methodNotAllowed, StatusError } from '../api/errors.ts';
import type { HandlerContext } from './handlers/context.ts';
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
