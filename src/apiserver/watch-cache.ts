import type { KubeObject } from '../api/object.ts';
import type { Storage, WatchEvent, WatchHandle } from '../storage/interface.ts';
import { decodeStored, type CachedObject } from './stored-object.ts';

export { decodeStored, type CachedObject };

export type CacheEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A change as watchers see it; `previous` lets watchers tell objects entering or leaving a selector. */
export interface CacheEvent {
  type: CacheEventType;
  current: CachedObject;
  previous?: CachedObject;
  revision: number;
}

export type CacheListener = (event: CacheEvent) => void;

/**
 * History the cache keeps per resource for watches that resume from an older resourceVersion, as
 * Kubernetes' watch cache sizes itself: at least 2,000 events, and every event of the last 75 s
 * (eventFreshDuration) up to 102,400 (its upper bound). A fixed count was a few seconds at 300 pod
 * writes/s, so a client that listed 100,000 pods could never start its watch (410, relist, 410...).
 */
const HISTORY_MIN_EVENTS = 2000;
const HISTORY_MAX_EVENTS = 102_400;
const HISTORY_FRESH_MS = 75_000;
/** Trimming drops at least this many events at a time, so it is not an array shift per event. */
const HISTORY_TRIM_BATCH = 512;

/** The index of the first entry of `entries` (sorted by key) whose key is >= `key`. */
function lowerBound(entries: readonly CachedObject[], key: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (entries[mid].key < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Key order, compared as UTF-16 code units (`<` on strings), the order lowerBound searches in. */
function byKey(a: CachedObject, b: CachedObject): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The smallest string greater than every string that starts with `prefix` (its last character incremented). */
function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** The cache of one resource (one storage prefix): current objects plus a window of recent events. */
export class ResourceCache {
  private readonly byKey = new Map<string, CachedObject>();
  /**
   * The entries in list order (by key), built on the first list, so that a list is one slice
   * between two binary searches: no scan of other namespaces, no per-key lookup or prefix test.
   * Changes do not move the array: an update of a listed key replaces its slot, a new key is
   * noted in `unlisted`, a deletion leaves a stale slot; the next list merges them in one pass.
   * Keeping the array exact on every write cost a splice (moving up to 150,000 slots) per pod
   * created, hundreds of times a second, while nobody listed pods.
   */
  private sortedEntries?: CachedObject[];
  /** Keys in `byKey` that are not in `sortedEntries` (created since it was built). */
  private readonly unlisted = new Set<string>();
  /** Slots of `sortedEntries` that may be stale (deleted keys). */
  private staleSlots = 0;
  private history: CacheEvent[] = [];
  /** When each history event arrived (Date.now()), parallel to `history`. */
  private historyTimes: number[] = [];
  /** Watches may resume from any revision >= this one. */
  private windowStart: number;
  private listeners = new Set<CacheListener>();

  constructor(
    readonly prefix: string,
    initialRevision: number,
  ) {
    this.windowStart = initialRevision;
  }

  /** The current objects by key (read-only: changes arrive through {@link apply}). */
  get objects(): ReadonlyMap<string, CachedObject> {
    return this.byKey;
  }

  /** Adds an object of the initial load (before any event is applied). */
  load(entry: CachedObject): void {
    this.set(entry);
  }

  private set(entry: CachedObject): void {
    this.byKey.set(entry.key, entry);
    const sorted = this.sortedEntries;
    if (!sorted || this.unlisted.has(entry.key)) return;
    const at = lowerBound(sorted, entry.key);
    // A listed key (or a deleted one's stale slot) takes the new entry in place; anything else waits for the next list.
    if (sorted[at]?.key === entry.key) sorted[at] = entry;
    else this.unlisted.add(entry.key);
  }

  private remove(key: string): void {
    if (!this.byKey.delete(key) || !this.sortedEntries) return;
    if (!this.unlisted.delete(key)) this.staleSlots++;
  }

  /** The sorted entries, with the keys created since the last list merged in and deleted ones dropped. */
  private sortedNow(): CachedObject[] {
    let sorted = this.sortedEntries;
    if (!sorted) {
      sorted = [...this.byKey.values()].sort(byKey);
    } else if (this.unlisted.size > 0 || this.staleSlots > 0) {
      const fresh = [...this.unlisted].map((key) => this.byKey.get(key)!).sort(byKey);
      const merged: CachedObject[] = new Array(this.byKey.size);
      let n = 0;
      let j = 0;
      for (const entry of sorted) {
        // A slot is current when the cache still maps its key to that very entry.
        if (this.byKey.get(entry.key) !== entry) continue;
        while (j < fresh.length && fresh[j]!.key < entry.key) merged[n++] = fresh[j++]!;
        merged[n++] = entry;
      }
      while (j < fresh.length) merged[n++] = fresh[j++]!;
      merged.length = n;
      sorted = merged;
    }
    this.sortedEntries = sorted;
    this.unlisted.clear();
    this.staleSlots = 0;
    return sorted;
  }

  /** Applies a store event; called by the WatchCache in revision order. */
  apply(event: WatchEvent): void {
    const previous = this.byKey.get(event.kv.key);
    let cacheEvent: CacheEvent;
    if (event.type === 'DELETE') {
      if (!previous) return;
      this.remove(event.kv.key);
      // Kubernetes sends the last state of a deleted object, stamped with the deletion's revision.
      const current = decodeStored(event.kv);
      cacheEvent = { type: 'DELETED', current, previous, revision: event.kv.modRevision };
    } else {
      const current = decodeStored(event.kv);
      this.set(current);
      cacheEvent = { type: previous ? 'MODIFIED' : 'ADDED', current, previous, revision: current.revision };
    }
    this.history.push(cacheEvent);
    this.historyTimes.push(Date.now());
    this.trimHistory();
    for (const listener of this.listeners) listener(cacheEvent);
  }

  /** Drops the oldest events beyond the bounds (see HISTORY_FRESH_MS), a batch at a time. */
  private trimHistory(): void {
    const n = this.history.length;
    if (n < HISTORY_MIN_EVENTS + HISTORY_TRIM_BATCH) return;
    let drop = Math.max(0, n - HISTORY_MAX_EVENTS);
    const staleBefore = Date.now() - HISTORY_FRESH_MS;
    while (drop < n - HISTORY_MIN_EVENTS && this.historyTimes[drop]! < staleBefore) drop++;
    if (drop < HISTORY_TRIM_BATCH && n <= HISTORY_MAX_EVENTS + HISTORY_TRIM_BATCH) return;
    this.windowStart = this.history[drop - 1]!.revision;
    this.history.splice(0, drop);
    this.historyTimes.splice(0, drop);
  }

  /**
   * Events after `revision`, or undefined when that revision is older than the window
   * (the caller answers 410 Gone, as the Kubernetes watch cache does for "too old resource version").
   */
  eventsSince(revision: number): CacheEvent[] | undefined {
    if (revision < this.windowStart) return undefined;
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.history[mid].revision <= revision) lo = mid + 1;
      else hi = mid;
    }
    return this.history.slice(lo);
  }

  /** The oldest revision a watch can resume from. */
  oldestRevision(): number {
    return this.windowStart;
  }

  /** Objects sorted by key (the order Kubernetes lists in), optionally under a key prefix (a namespace). */
  sorted(keyPrefix = this.prefix): CachedObject[] {
    const sorted = this.sortedNow();
    if (keyPrefix === '') return sorted.slice();
    // Keys under a prefix are contiguous in sorted order.
    return sorted.slice(lowerBound(sorted, keyPrefix), lowerBound(sorted, prefixEnd(keyPrefix)));
  }

  subscribe(listener: CacheListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  watcherCount(): number {
    return this.listeners.size;
  }
}

/**
 * The API server's watch cache: every object under `/registry/` held in memory, fed by one watch
 * on the store, so that gets, lists and watches never touch the store (the role of the Kubernetes
 * cacher). Writes go to the store; their results reach the cache through the watch.
 */
export class WatchCache {
  private caches = new Map<string, ResourceCache>();
  private revision = 0;
  private handle?: WatchHandle;
  private waiters: { revision: number; resolve: () => void }[] = [];
  private failure?: Error;

  constructor(
    private readonly storage: Storage,
    private readonly prefixes: string[],
  ) {}

  /** Loads every prefix at one revision, then follows the store from there. */
  async start(): Promise<void> {
    const revision = await this.storage.currentRevision();
    for (const prefix of new Set(this.prefixes)) {
      const cache = new ResourceCache(prefix, revision);
      let startKey: string | undefined;
      for (;;) {
        const page = await this.storage.list(prefix, { revision, limit: 5000, startKey });
        for (const kv of page.items) cache.load(decodeStored(kv));
        if (!page.more || page.items.length === 0) break;
        startKey = page.items[page.items.length - 1].key + '\x00';
      }
      this.caches.set(prefix, cache);
    }
    this.revision = revision;
    this.handle = this.storage.watch('/registry/', revision, {
      onEvents: (events) => this.onEvents(events),
      onError: (err) => {
        this.failure = err;
      },
    });
  }

  private onEvents(events: WatchEvent[]): void {
    for (const event of events) {
      const cache = this.cacheForKey(event.kv.key);
      cache?.apply(event);
      if (event.kv.modRevision > this.revision) this.revision = event.kv.modRevision;
    }
    if (this.waiters.length > 0) {
      const ready = this.waiters.filter((w) => w.revision <= this.revision);
      this.waiters = this.waiters.filter((w) => w.revision > this.revision);
      for (const w of ready) w.resolve();
    }
  }

  private cacheForKey(key: string): ResourceCache | undefined {
    // Keys are /registry/<group>/<resource>/...: the prefix is the first three segments.
    const third = key.indexOf('/', key.indexOf('/', 10) + 1);
    return this.caches.get(key.slice(0, third + 1));
  }

  /** The cache for a storage prefix. */
  resource(prefix: string): ResourceCache {
    const cache = this.caches.get(prefix);
    if (!cache) throw new Error(`no watch cache for ${prefix}`);
    return cache;
  }

  /** The newest revision the cache has applied. */
  currentRevision(): number {
    return this.revision;
  }

  /** Resolves once the cache has applied `revision` (used after writes and for consistent reads). */
  waitFor(revision: number, timeoutMs = 10_000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (revision <= this.revision) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`watch cache did not reach revision ${revision} within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        revision,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Waits until the cache holds everything the store had committed when called: a consistent read. */
  async sync(): Promise<void> {
    await this.waitFor(await this.storage.currentRevision());
  }

  stop(): void {
    this.handle?.cancel();
  }
}
