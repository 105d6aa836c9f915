import type { HandlerContext } from './context.ts';
import { decodeObject } from './decode.ts';
import { sendObject } from './respond.ts';
import { writeOptions } from './write-options.ts';

/**
 * PUT of a whole object (or of its status through the status subresource). A resourceVersion in
 * the body is a precondition (409 Conflict when stale); without one the update is unconditional.
 */
export async function handleUpdate(ctx: HandlerContext): Promise<void> {
  const name = ctx.request.name!;
  const object = await decodeObject(ctx);
  object.metadata.name ??= name;
  const result = await ctx.store.replace(ctx.request.namespace, name, object, writeOptions(ctx));
  sendObject(ctx, result.created ? 201 : 200, result.object, result.bytes ?? result.json);
}
