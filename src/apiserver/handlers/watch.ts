import { badRequest, expired } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { apiVersionOf } from '../../api/registry.ts';
import { intParam, wantsTable } from '../http.ts';
import type { CacheEvent, CacheEventType } from '../watch-cache.ts';
import type { HandlerContext } from './context.ts';
import { MATCH_ALL, predicateFor } from './filter.ts';
import { scopePrefix } from './list.ts';
import { tableOf } from './respond.ts';
import { validateListOptions } from './list-options.ts';

/** A watcher that falls this far behind is closed; its client relists (Kubernetes drops slow watchers too). */
const MAX_BUFFERED_BYTES = 32 * 1024 * 1024;
/** Kubernetes' default --min-request-timeout: watches end after 30-60 minutes and clients re-establish them. */
const MIN_WATCH_SECONDS = 1800;
const BOOKMARK_INTERVAL_MS = 60_000;
/** Initial events are written in chunks of about this size: one stream write per event cost 160,000 writes for 160,000 pods. */
const INITIAL_CHUNK_BYTES = 1024 * 1024;
const ADDED_HEAD = Buffer.from('{"type":"ADDED","object":');
const EVENT_TAIL = Buffer.from('}\n');

const EVENT_HEADS: Record<CacheEventType, Buffer> = {
  ADDED: ADDED_HEAD,
  MODIFIED: Buffer.from('{"type":"MODIFIED","object":'),
  DELETED: Buffer.from('{"type":"DELETED","object":'),
};

/**
 * The serialized lines of the event being delivered, shared by every JSON watcher it goes to
 * (serialize once, send many). The cache hands an event to all its watchers in one go, so one
 * event's lines are all there is to keep; keeping them for every event in the watch window (a
 * WeakMap on the events) held ~3 KiB of string per pod event in the heap for 75 s. Bytes, not
 * strings: the cached object is already UTF-8, and a string line was encoded again per watcher.
 */
let linesOf: CacheEvent | undefined;
let lines: Partial<Record<CacheEventType, Buffer>> = {};

function jsonLine(event: CacheEvent, type: CacheEventType): Buffer {
  if (linesOf !== event) {
    linesOf = event;
    lines = {};
  }
  return (lines[type] ??= Buffer.concat([EVENT_HEADS[type], event.current.bytes, EVENT_TAIL]));
}

/**
 * Serves a watch from the watch cache: from resourceVersion N it replays the cached events after N
 * (410 Expired in an ERROR event when N left the window); without one it first sends the current
 * objects as ADDED. Objects that stop matching the selectors are sent as DELETED, objects that
 * start matching as ADDED, as the Kubernetes cacher does.
 */
export async function handleWatch(ctx: HandlerContext): Promise<void> {
  validateListOptions(ctx.query, true);
  const predicate = predicateFor(ctx.info, ctx.query, ctx.request.name);
  const prefix = scopePrefix(ctx);
  const asTable = wantsTable(ctx.req);
  const bookmarks = ctx.query.get('allowWatchBookmarks') === 'true';
  const sendInitialEvents = ctx.query.get('sendInitialEvents') === 'true';
  const timeoutSeconds = intParam(ctx.query, 'timeoutSeconds') ?? MIN_WATCH_SECONDS + Math.floor(Math.random() * MIN_WATCH_SECONDS);
  const rvText = ctx.query.get('resourceVersion') ?? '';
  const fromRevision = rvText === '' || rvText === '0' ? undefined : Number(rvText);
  if (fromRevision !== undefined && (!Number.isInteger(fromRevision) || fromRevision < 0)) throw badRequest(`invalid resource version: ${rvText}`);
  if (fromRevision === undefined || sendInitialEvents) await ctx.cache.sync();

  const cache = ctx.cache.resource(ctx.store.prefix);
  const res = ctx.res;
  res.writeHead(200, { 'content-type': asTable ? 'application/json;as=Table;v=v1;g=meta.k8s.io' : 'application/json', 'cache-control': 'no-cache, private' });
  // HTTP/1.1 clients (client-node) wait for the headers before reading events: send them now, as kube-apiserver does.
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  let firstTable = true;
  let lastRevision = ctx.cache.currentRevision();
  let closed = false;
  // Declared before anything can call finish(): a replay that overflows the buffer finishes the watch mid-way.
  const timers: NodeJS.Timeout[] = [];
  const stream = res as unknown as { write(chunk: string | Buffer): boolean; writableLength: number };
  // The replay (or the initial objects) is written in one go and may exceed the budget by itself; only
  // live events that pile up on top of it mean the client is too slow.
  let maxBuffered = Infinity;
  const write = (text: string | Buffer): void => {
    if (closed) return;
    stream.write(text);
    if (stream.writableLength > maxBuffered) finish();
  };
  const send = (event: CacheEvent, type: CacheEventType): void => {
    lastRevision = event.revision;
    if (!asTable) return write(jsonLine(event, type));
    const table = tableOf(ctx, [event.current.object], { resourceVersion: String(event.revision) }, firstTable);
    firstTable = false;
    write(`${JSON.stringify({ type, object: table })}\n`);
  };
  const deliver = (event: CacheEvent): void => {
    if (!event.current.key.startsWith(prefix)) return;
    // Without selectors every event goes out as it is, and no object is parsed to decide it.
    if (predicate === MATCH_ALL) return send(event, event.type);
    const now = predicate(event.current.object);
    const before = event.previous ? predicate(event.previous.object) : false;
    if (event.type === 'DELETED') {
      if (before || now) send(event, 'DELETED');
    } else if (now) send(event, event.type === 'MODIFIED' && before ? 'MODIFIED' : 'ADDED');
    else if (before) send(event, 'DELETED');
  };
  const bookmark = (initialEventsEnd = false): void => {
    const object: KubeObject = { kind: ctx.info.kind, apiVersion: apiVersionOf(ctx.info), metadata: { resourceVersion: String(lastRevision) } };
    if (initialEventsEnd) object.metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write(`${JSON.stringify({ type: 'BOOKMARK', object })}\n`);
  };

  // Snapshot and subscription happen in one turn of the event loop, so no event falls between them.
  const gvk = { group: ctx.info.group, version: ctx.info.version, kind: ctx.info.kind };
  const stopListening = cache.subscribe(deliver);
  ctx.metrics?.watchers(gvk, 1);
  const unsubscribe = (): void => {
    stopListening();
    ctx.metrics?.watchers(gvk, -1);
  };
  if (fromRevision === undefined || sendInitialEvents) {
    lastRevision = ctx.cache.currentRevision();
    if (asTable) {
      for (const entry of cache.sorted(prefix)) {
        if (predicate === MATCH_ALL || predicate(entry.object)) send({ type: 'ADDED', current: entry, revision: entry.revision }, 'ADDED');
      }
    } else {
      // Straight from the cached bytes, in chunks: no decode and re-encode of every object (400 MB at 160,000 pods).
      let chunk: Buffer[] = [];
      let size = 0;
      for (const entry of cache.sorted(prefix)) {
        if (predicate !== MATCH_ALL && !predicate(entry.object)) continue;
        chunk.push(ADDED_HEAD, entry.bytes, EVENT_TAIL);
        size += ADDED_HEAD.length + entry.bytes.length + EVENT_TAIL.length;
        if (size >= INITIAL_CHUNK_BYTES) {
          write(Buffer.concat(chunk, size));
          chunk = [];
          size = 0;
        }
      }
      if (size > 0) write(Buffer.concat(chunk, size));
    }
    lastRevision = ctx.cache.currentRevision();
    if (sendInitialEvents && bookmarks) bookmark(true);
  } else {
    const replay = cache.eventsSince(fromRevision);
    if (!replay) {
      const status = expired(`too old resource version: ${fromRevision} (${cache.oldestRevision()})`).toStatus();
      write(`${JSON.stringify({ type: 'ERROR', object: status })}\n`);
      unsubscribe();
      res.end();
      return;
    }
    for (const event of replay) deliver(event);
  }

  maxBuffered = stream.writableLength + MAX_BUFFERED_BYTES;
  // Once the client has caught up with the replay, the budget is the plain one again.
  if (stream.writableLength > 0) res.once('drain', () => (maxBuffered = MAX_BUFFERED_BYTES));
  if (!closed) {
    timers.push(setTimeout(() => finish(), timeoutSeconds * 1000));
    if (bookmarks) timers.push(setInterval(() => bookmark(), BOOKMARK_INTERVAL_MS));
  }
  function finish(): void {
    if (closed) return;
    closed = true;
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
    res.end();
  }
  ctx.req.on('close', finish);
  res.on('close', finish);
}
