import type { HandlerContext } from './context.ts';
import { sendObject } from './respond.ts';

/** GET of one object (also through its status subresource, which reads the whole object). */
export async function handleGet(ctx: HandlerContext): Promise<void> {
  const rv = ctx.query.get('resourceVersion');
  // resourceVersion=0 accepts any cached state; otherwise the read is consistent with the store.
  const found = rv === '0' ? ctx.store.peek(ctx.request.namespace, ctx.request.name!) ?? (await ctx.store.get(ctx.request.namespace, ctx.request.name!)) : await ctx.store.get(ctx.request.namespace, ctx.request.name!);
  sendObject(ctx, 200, found.object, found.bytes);
}
