import { badRequest, expired, StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { FutureRevisionError } from '../../storage/future-revision-error.ts';
import { CompactedError } from '../../storage/interface.ts';
import { intParam, sendBytes, wantsTable } from '../http.ts';
import { decodeStored, type CachedObject } from '../watch-cache.ts';
import { peekObject } from '../stored-object.ts';
import { cachedRowText } from './cached-table-rows.ts';
import { validateListOptions } from './list-options.ts';
import type { HandlerContext } from './context.ts';
import { hasSelectors, MATCH_ALL, predicateFor, type ObjectPredicate } from './filter.ts';
import { applyWarnings, tableBody } from './respond.ts';

/** The continue token: the revision of the first page and the key (relative to the prefix) to resume at. */
interface ContinueToken {
  v: 'meta.k8s.io/v1';
  rv: number;
  start: string;
}

function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies ContinueToken)).toString('base64url');
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (parsed.v !== 'meta.k8s.io/v1' || !Number.isInteger(parsed.rv) || typeof parsed.start !== 'string') throw new Error('bad token');
    return parsed;
  } catch {
    throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
}

const EXPIRED_CONTINUE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

interface Page {
  items: CachedObject[];
  revision: number;
  continueToken?: string;
  remaining?: number;
}

/** The key prefix of the request: the resource's, narrowed to a namespace when one is given. */
export function scopePrefix(ctx: HandlerContext): string {
  return ctx.info.namespaced && ctx.request.namespace ? `${ctx.store.prefix}${ctx.request.namespace}/` : ctx.store.prefix;
}

/**
 * Serves a list. Whole lists and first pages come from the watch cache; later pages (`continue`)
 * are read from the store at the first page's revision so that the pages form one consistent
 * snapshot, as Kubernetes does. A compacted revision answers 410 Expired.
 */
export async function handleList(ctx: HandlerContext): Promise<void> {
  validateListOptions(ctx.query, false);
  const predicate = predicateFor(ctx.info, ctx.query);
  const token = ctx.query.get('continue');
  // kube-apiserver 1.32 serves resourceVersion=0 from its watch cache, which does not paginate: the
  // limit is ignored and the whole list comes back at once (client-go's reflector counts on it).
  const limit = ctx.query.get('resourceVersion') === '0' && !token ? 0 : (intParam(ctx.query, 'limit') ?? 0);
  const page = token ? await pageFromStore(ctx, decodeContinue(token), limit, predicate) : ctx.query.get('resourceVersionMatch') === 'Exact' ? await exactPage(ctx, limit, predicate) : await pageFromCache(ctx, limit, predicate);
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) listMeta.continue = page.continueToken;
  if (page.remaining !== undefined && page.remaining > 0 && !hasSelectors(ctx.query)) listMeta.remainingItemCount = page.remaining;
  applyWarnings(ctx);
  if (wantsTable(ctx.req)) {
    sendBytes(ctx.res, 200, tableBody(ctx, page.items, listMeta, cachedRowText), 'application/json;as=Table;v=v1;g=meta.k8s.io');
    return;
  }
  const head = `{"kind":${JSON.stringify(`${ctx.info.kind}List`)},"apiVersion":${JSON.stringify(apiVersionOf(ctx.info))},"metadata":${JSON.stringify(listMeta)},"items":[`;
  sendBytes(ctx.res, 200, listBody(head, page.items));
}

const COMMA = Buffer.from(',');
const TAIL = Buffer.from(']}');

/**
 * The pieces of a list body: `head`, the items' bytes separated by commas, and the closing
 * brackets. Items are serialized and encoded once, when cached, so a list of thousands of objects
 * costs one copy of their bytes rather than a string join plus a UTF-8 encode of the result.
 */
function listBody(head: string, items: readonly CachedObject[]): Buffer[] {
  const parts: Buffer[] = new Array<Buffer>(items.length * 2 + 1);
  parts[0] = Buffer.from(head);
  for (let i = 0; i < items.length; i++) {
    parts[2 * i + 1] = items[i].bytes;
    parts[2 * i + 2] = i === items.length - 1 ? TAIL : COMMA;
  }
  if (items.length === 0) parts.push(TAIL);
  return parts;
}

async function pageFromCache(ctx: HandlerContext, limit: number, predicate: ObjectPredicate): Promise<Page> {
  await waitForResourceVersion(ctx);
  const cache = ctx.cache.resource(ctx.store.prefix);
  const revision = ctx.cache.currentRevision();
  const sorted = cache.sorted(scopePrefix(ctx));
  const all = predicate === MATCH_ALL ? sorted : sorted.filter((entry) => predicate(peekObject(entry)));
  if (!limit || all.length <= limit) return { items: all, revision };
  const items = all.slice(0, limit);
  const last = items[items.length - 1].key.slice(ctx.store.prefix.length);
  return { items, revision, continueToken: encodeContinue(revision, `${last}\x00`), remaining: all.length - limit };
}

/** Honours resourceVersion on a list: "" is a consistent read, "0" any, N at least N. */
async function waitForResourceVersion(ctx: HandlerContext): Promise<void> {
  const rv = ctx.query.get('resourceVersion');
  if (rv === '0') return;
  if (!rv) {
    await ctx.cache.sync();
    return;
  }
  const wanted = Number(rv);
  if (!Number.isInteger(wanted) || wanted < 0) throw badRequest(`invalid resource version: ${rv}`);
  const current = await ctx.storage.currentRevision();
  if (wanted > current) throw new StatusError(504, 'Timeout', `Too large resource version: ${wanted}, current: ${current}`, { retryAfterSeconds: 1 });
  await ctx.cache.waitFor(wanted);
}

/**
 * resourceVersionMatch=Exact: the list as it was at that revision, read from the store (the watch
 * cache holds only the present). 410 Expired once compacted, 504 for a revision not yet written.
 */
async function exactPage(ctx: HandlerContext, limit: number, predicate: ObjectPredicate): Promise<Page> {
  const rv = ctx.query.get('resourceVersion') ?? '';
  const revision = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(revision)) throw badRequest(`invalid resource version: ${rv}`);
  try {
    return await pageFromStore(ctx, { v: 'meta.k8s.io/v1', rv: revision, start: scopePrefix(ctx).slice(ctx.store.prefix.length) }, limit, predicate, EXPIRED_EXACT);
  } catch (err) {
    if (err instanceof FutureRevisionError) throw new StatusError(504, 'Timeout', `Too large resource version: ${err.requested}, current: ${err.current}`, { retryAfterSeconds: 1 });
    throw err;
  }
}

const EXPIRED_EXACT = 'The resourceVersion for the provided list is too old.';

async function pageFromStore(ctx: HandlerContext, token: ContinueToken, limit: number, predicate: ObjectPredicate, expiredMessage = EXPIRED_CONTINUE): Promise<Page> {
  const prefix = scopePrefix(ctx);
  let startKey = ctx.store.prefix + token.start;
  const items: CachedObject[] = [];
  const batch = Math.max(limit, 100);
  try {
    for (;;) {
      const result = await ctx.storage.list(prefix, { revision: token.rv, limit: limit ? batch : 0, startKey });
      for (const kv of result.items) {
        const entry = decodeStored(kv);
        if (!predicate(entry.object as KubeObject)) continue;
        items.push(entry);
        if (limit && items.length === limit) {
          const more = result.more || kv !== result.items[result.items.length - 1];
          const next = more ? encodeContinue(token.rv, `${kv.key.slice(ctx.store.prefix.length)}\x00`) : undefined;
          return { items, revision: token.rv, continueToken: next };
        }
      }
      if (!result.more || result.items.length === 0) return { items, revision: token.rv };
      startKey = `${result.items[result.items.length - 1].key}\x00`;
    }
  } catch (err) {
    if (err instanceof CompactedError) throw expired(expiredMessage);
    throw err;
  }
}
