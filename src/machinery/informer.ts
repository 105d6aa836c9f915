import { StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import type { KubeClient } from '../client/interface.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import type { WatchStream } from '../client/watch-stream.ts';
import { Indexer, objectKey, type IndexFunc } from './indexer.ts';
import { Lister } from './lister.ts';

/**
 * Callbacks of an informer. They run synchronously in the informer's loop, so they should only
 * enqueue work (level-based controllers). Objects are frozen: never mutate them.
 */
export interface EventHandler<T extends KubeObject = KubeObject> {
  /** A new object; `isInInitialList` when it came from the first list (or a replay to a late handler). */
  onAdd?(obj: T, isInInitialList: boolean): void;
  /** A changed object; on a periodic resync old and new are the same object. */
  onUpdate?(oldObj: T, newObj: T): void;
  /**
   * A deleted object, with its last known state. `finalStateUnknown` when the deletion was
   * inferred from a relist (client-go's DeletedFinalStateUnknown tombstone).
   */
  onDelete?(obj: T, finalStateUnknown: boolean): void;
}

/** What an informer lists and watches, and how. */
export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** Only this namespace (all namespaces when absent). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Every this many ms, handlers get onUpdate(obj, obj) for every cached object (0: never). */
  resyncPeriodMs?: number;
  /** Extra indexes beside the namespace index. */
  indexers?: Record<string, IndexFunc<T>>;
  /**
   * Applied to every object before it is cached and handed to handlers (client-go's SetTransform),
   * e.g. to drop fields this process never reads and save their memory. It receives the freshly
   * decoded object, which it may change in place, and returns the object to keep.
   */
  transform?: (obj: T) => T;
  /** List in pages of this size (client-go's pager uses 500); by default one request, answered from the server's watch cache. */
  pageSize?: number;
  /**
   * Fill and refill the cache with a watch-list (client-go's WatchListClient): one watch with
   * `sendInitialEvents=true` that sends the current objects, a bookmark marking their end, then
   * the live events, all in one stream. A list and the watch that follows it leave a gap: when
   * the list is large (160,000 pods: a 400 MB body, seconds to decode and hand to the handlers),
   * its resourceVersion can leave the server's watch window before the watch starts, and the
   * informer relists again and again. A watch-list has no such gap. Falls back to lists when the
   * server refuses it.
   */
  watchList?: boolean;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

const INITIAL_BACKOFF_MS = 800;
const MAX_BACKOFF_MS = 30_000;
/** client-go's reflector asks the server to end each watch after 5 to 10 minutes, spreading the reconnects. */
const MIN_WATCH_TIMEOUT_S = 300;
/** A watch that ends this quickly without a single event is treated as a failure, to avoid a hot loop. */
const SHORT_WATCH_MS = 1000;
/** The annotation of the bookmark that ends a watch-list's initial events. */
const INITIAL_EVENTS_END = 'k8s.io/initial-events-end';
/** A fresh list is handed to the handlers in batches of this many objects, yielding to the event loop in between. */
const REPLACE_BATCH = 2000;

/** Deep-freezes a JSON value, so that cached objects cannot be changed by a consumer. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  freezeTree(value as object);
  return value;
}

/** Freezes an object and everything under it; a loop with no per-object allocation (every cached object passes here). */
function freezeTree(value: object): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) freezeTree(child);
    }
  } else {
    for (const key in value) {
      const child: unknown = (value as Record<string, unknown>)[key];
      if (typeof child === 'object' && child !== null && !Object.isFrozen(child)) freezeTree(child);
    }
  }
  Object.freeze(value);
}

/**
 * One resource's list-and-watch loop with a local cache (client-go's SharedIndexInformer, with
 * the reflector folded in). It lists in pages of 500, then watches from the list's
 * resourceVersion with bookmarks. When the watch ends it re-watches from the last resourceVersion
 * seen; on 410 Expired/Gone (too old) it relists and reconciles the cache with the new list,
 * firing add/update/delete for the differences. Transport failures back off from 0.8 s to 30 s.
 */
export class SharedInformer<T extends KubeObject = KubeObject> {
  readonly indexer: Indexer<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly syncWaiters: (() => void)[] = [];
  private synced = false;
  private started = false;
  private stopped = false;
  private needList = true;
  private lastRV = '';
  /** The server said lastRV is too old (410): the next list is a consistent read. */
  private lastRVTooOld = false;
  /** Set when the server refused a watch-list: plain lists from then on. */
  private watchListRefused = false;
  private watch?: WatchStream<T>;
  private readonly abort = new AbortController();
  private resyncTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;

  constructor(
    private readonly client: KubeClient,
    readonly ref: ResourceRef,
    private readonly opts: InformerOptions<T> = {},
  ) {
    this.indexer = new Indexer<T>();
    if (opts.indexers) this.indexer.addIndexers(opts.indexers);
  }

  /**
   * Registers handlers; returns a function that removes them. A handler added after the cache
   * synced first receives onAdd for every cached object, as client-go does.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const obj of this.indexer.list()) call(() => handler.onAdd?.(obj, true), this.opts.log);
    return () => this.handlers.delete(handler);
  }

  /** Adds indexes to the cache; names already present are left as they are. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    const fresh = Object.fromEntries(Object.entries(indexers).filter(([name]) => !this.indexer.hasIndex(name)));
    this.indexer.addIndexers(fresh);
  }

  /** A read-only view of the cache. */
  lister(): Lister<T> {
    return new Lister(this.indexer);
  }

  /** Whether the first list has been stored (the cache is complete as of some point in time). */
  hasSynced(): boolean {
    return this.synced;
  }

  /** The resourceVersion of the last list, watch event or bookmark processed. */
  lastSyncResourceVersion(): string {
    return this.lastRV;
  }

  /** Resolves true once synced, or false if the informer is stopped (or `signal` aborts) first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (this.stopped || signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => resolve(false);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.synced);
      });
    });
  }

  /** Starts listing and watching (idempotent). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.loop = this.run();
    const period = this.opts.resyncPeriodMs ?? 0;
    if (period > 0) this.resyncTimer = setInterval(() => this.resync(), period);
  }

  /** Stops the loop and closes the watch; resolves when the loop has ended. The cache stays readable. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.resyncTimer);
    this.abort.abort();
    this.watch?.close();
    for (const wake of this.syncWaiters.splice(0)) wake();
    await this.loop;
  }

  private async run(): Promise<void> {
    let backoff = INITIAL_BACKOFF_MS;
    while (!this.stopped) {
      try {
        if (this.needList && !this.useWatchList()) await this.listAndReplace();
        await this.watchOnce();
        backoff = INITIAL_BACKOFF_MS;
      } catch (err) {
        if (this.stopped) break;
        if (isTooOld(err)) {
          // The server no longer has history back to our resourceVersion: start over with a list.
          this.opts.log?.('informer watch expired; relisting', { resource: this.ref.resource, resourceVersion: this.lastRV });
          this.needList = true;
          this.lastRVTooOld = true;
          continue;
        }
        // A server without watch-lists answers 400/403/422 to sendInitialEvents: list instead (client-go falls back too).
        if (this.needList && this.useWatchList() && err instanceof StatusError && [400, 403, 422].includes(err.code)) this.watchListRefused = true;
        // An API error (not a broken connection) may mean our state is bad: relist, as the reflector does.
        if (err instanceof StatusError && err.code !== 429) this.needList = true;
        this.opts.log?.('informer list/watch failed', { resource: this.ref.resource, error: err instanceof Error ? err.message : String(err) });
        await this.sleep(backoff * (1 + Math.random() * 0.2));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async listAndReplace(): Promise<void> {
    const started = Date.now();
    const { items, resourceVersion } = await this.listAll(this.relistResourceVersion());
    if (this.stopped) return;
    for (let i = 0; i < items.length; i++) items[i] = this.normalize(items[i]);
    await this.replaced(items, resourceVersion, started, 'informer relisted');
  }

  /** Stores a complete set of objects (a list, or a watch-list's initial events) as of `resourceVersion`. */
  private async replaced(items: T[], resourceVersion: string, started: number, what: string): Promise<void> {
    await this.replace(items);
    // A relist of a large resource is expensive for the server and this process alike: say so (client-go logs the watch that ended too).
    if (this.synced) this.opts.log?.(what, { resource: this.ref.resource, items: items.length, ms: Date.now() - started });
    this.lastRV = resourceVersion;
    this.lastRVTooOld = false;
    this.needList = false;
    if (!this.synced) {
      this.synced = true;
      for (const wake of this.syncWaiters.splice(0)) wake();
    }
  }

  private useWatchList(): boolean {
    return this.opts.watchList === true && !this.watchListRefused;
  }

  /**
   * The resourceVersion to list at (the reflector's relistResourceVersion): "0" the first time, so
   * the API server answers from its watch cache; the last one seen on later relists; "" (a
   * consistent read) after the server said that one is too old.
   */
  private relistResourceVersion(): string {
    if (this.lastRVTooOld) return '';
    return this.lastRV || '0';
  }

  /**
   * Lists the objects, in pages only when `pageSize` was given (then, if a continue token expires
   * mid-way, it falls back to one full list, as client-go's pager does). By default one request:
   * the API server answers it from its watch cache at its newest revision, so the watch that
   * follows starts from there; a paged list of 100,000 pods read page by page from storage took so
   * long under heavy writes that its revision had left the watch window before the watch began.
   */
  private async listAll(resourceVersionToList: string): Promise<{ items: T[]; resourceVersion: string }> {
    const base = { namespace: this.opts.namespace, labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector, resourceVersion: resourceVersionToList || undefined, signal: this.abort.signal };
    const paged = this.opts.pageSize !== undefined && (resourceVersionToList === '' || resourceVersionToList === '0');
    const items: T[] = [];
    let token: string | undefined;
    let resourceVersion = '';
    do {
      try {
        // Later pages carry only the continue token (the API refuses a resourceVersion with it).
        const page = await this.client.list<T>(this.ref, { ...base, resourceVersion: token ? undefined : base.resourceVersion, limit: paged ? this.opts.pageSize : undefined, continue: token });
        // One page may hold every object (a list at "0"): no spread, which would overflow the stack at 150,000 items.
        for (const item of page.items) items.push(item);
        token = page.metadata.continue || undefined;
        resourceVersion = page.metadata.resourceVersion ?? '';
      } catch (err) {
        if (!token || !isTooOld(err)) throw err;
        const full = await this.client.list<T>(this.ref, base);
        return { items: full.items, resourceVersion: full.metadata.resourceVersion ?? '' };
      }
    } while (token);
    return { items, resourceVersion };
  }

  /**
   * Applies a fresh list to the cache, firing handlers for what changed since the cache's content.
   * Large lists are dispatched in batches with a yield in between: 160,000 handler calls in one
   * turn blocked the process for seconds (its connection's pings went unanswered, its other
   * watches fell behind). Nothing else of this informer runs meanwhile, so order is kept.
   */
  private async replace(items: T[]): Promise<void> {
    const initial = !this.synced;
    const previous = new Map<string, T>();
    for (const key of this.indexer.listKeys()) previous.set(key, this.indexer.getByKey(key)!);
    this.indexer.replace(items);
    for (let i = 0; i < items.length; i++) {
      if (i > 0 && i % REPLACE_BATCH === 0) await new Promise<void>((resolve) => setImmediate(resolve));
      const obj = items[i];
      const key = objectKey(obj);
      const old = previous.get(key);
      previous.delete(key);
      if (!old) this.dispatch((h) => h.onAdd?.(obj, initial));
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) this.dispatch((h) => h.onUpdate?.(old, obj));
    }
    for (const gone of previous.values()) this.dispatch((h) => h.onDelete?.(gone, true));
  }

  /**
   * One watch, until the server or the consumer ends it. When the cache needs filling and
   * watch-lists are on, it is a watch-list: the initial ADDED events are collected until the
   * bookmark that ends them, then stored like a list, and the same stream goes on with live events.
   */
  private async watchOnce(): Promise<void> {
    const started = Date.now();
    let events = 0;
    const watchList = this.needList && this.useWatchList();
    // A watch-list at "" is a consistent read (as a list at "" is); at "0" the server may start from any state.
    const resourceVersion = watchList ? (this.lastRVTooOld || !this.lastRV ? '' : '0') : this.lastRV;
    const initial: T[] | undefined = watchList ? [] : undefined;
    let collecting = initial;
    const timeoutSeconds = Math.floor(MIN_WATCH_TIMEOUT_S * (1 + Math.random()));
    const watch = await this.client.watch<T>(this.ref, {
      namespace: this.opts.namespace,
      labelSelector: this.opts.labelSelector,
      fieldSelector: this.opts.fieldSelector,
      resourceVersion,
      allowWatchBookmarks: true,
      sendInitialEvents: watchList || undefined,
      timeoutSeconds,
      signal: this.abort.signal,
    });
    // stop() may have run while the watch was being opened, when there was no watch to close yet.
    if (this.stopped) return watch.close();
    this.watch = watch;
    try {
      for await (const event of watch) {
        if (this.stopped) break;
        events++;
        const rv = event.object?.metadata?.resourceVersion;
        if (collecting) {
          if (event.type === 'ADDED') collecting.push(this.normalize(event.object));
          else if (event.type === 'BOOKMARK' && event.object.metadata.annotations?.[INITIAL_EVENTS_END] === 'true') {
            collecting = undefined;
            await this.replaced(initial!, rv ?? '', started, 'informer refilled by a watch-list');
          }
          // Before the end bookmark a server sends only ADDED (and plain bookmarks): anything else is ignored, as client-go does.
          continue;
        }
        if (event.type !== 'BOOKMARK') this.apply(event.type, this.normalize(event.object));
        if (rv) this.lastRV = rv;
      }
    } finally {
      watch.close();
      this.watch = undefined;
    }
    if (this.stopped) return;
    // A watch-list that ended before its initial events did left the cache as it was: start it again.
    if (collecting) throw new Error(`watch-list ended after ${collecting.length} initial events, before the bookmark that ends them`);
    const ms = Date.now() - started;
    if (events === 0 && ms < SHORT_WATCH_MS) throw new Error('very short watch: the server closed it at once');
    // Ended well before its timeout: the server dropped it (a slow watcher, a restart). Rare and worth a line.
    if (ms < timeoutSeconds * 900) this.opts.log?.('informer watch ended early', { resource: this.ref.resource, events, ms, resourceVersion: this.lastRV });
  }

  private apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: T): void {
    const key = objectKey(obj);
    if (type === 'DELETED') {
      const old = this.indexer.deleteKey(key);
      this.dispatch((h) => h.onDelete?.(old ?? obj, false));
      return;
    }
    const old = this.indexer.set(obj);
    if (old) this.dispatch((h) => h.onUpdate?.(old, obj));
    else this.dispatch((h) => h.onAdd?.(obj, false));
  }

  private resync(): void {
    if (!this.synced || this.stopped) return;
    for (const obj of this.indexer.list()) this.dispatch((h) => h.onUpdate?.(obj, obj));
  }

  /** List items carry no apiVersion/kind on the wire; fill them in so every cached object is self-describing. */
  private normalize(obj: T): T {
    if (!obj.kind && this.ref.kind) {
      obj.kind = this.ref.kind;
      obj.apiVersion = this.ref.group ? `${this.ref.group}/${this.ref.version}` : this.ref.version;
    }
    return deepFreeze(this.opts.transform ? this.opts.transform(obj) : obj);
  }

  private dispatch(fn: (handler: EventHandler<T>) => void): void {
    for (const handler of this.handlers) call(() => fn(handler), this.opts.log);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** 410 Gone/Expired: the resourceVersion asked for is older than the server's history. */
function isTooOld(err: unknown): boolean {
  return err instanceof StatusError && err.code === 410;
}

function call(fn: () => void, log: InformerOptions['log']): void {
  try {
    fn();
  } catch (err) {
    // A failing handler must not stop the informer or the other handlers (client-go recovers panics the same way).
    log?.('informer event handler failed', { error: err instanceof Error ? err.stack : String(err) });
  }
}
