import type { KubeObject } from '../api/object.ts';
import { parseApiVersion } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import { refId, type ResourceRef } from '../client/resource-ref.ts';
import type { EventRecorder } from './event-recorder.ts';
import { Indexer, objectKey, type IndexFunc } from './indexer.ts';
import { deepFreeze } from './informer.ts';
import type { SharedInformerFactory } from './informer-factory.ts';
import { Lister } from './lister.ts';
import { WorkQueue } from './workqueue.ts';

/** Maps an object to the work-queue keys it should wake up. */
export type KeyMapper = (obj: KubeObject) => string[];

/**
 * Owned objects wake their controlling owner: the ownerReference with `controller: true` of this
 * kind (and API group, when given) maps to the owner's key in the object's namespace, as the
 * ReplicaSet controller resolves a Pod to its ReplicaSet (`metav1.GetControllerOf`).
 */
export interface OwnerMapping {
  ownerKind: string;
  /** The owner's API group (`apps`); any group when absent. */
  ownerGroup?: string;
}

/** One resource a controller watches, and which keys its events enqueue. */
export interface WatchSpec {
  resource: ResourceRef;
  /**
   * `'self'` (default): the object's own key. An OwnerMapping: the controlling owner's key.
   * A function: any keys. `'none'`: only cache it for the listers, enqueue nothing.
   */
  map?: 'self' | 'none' | OwnerMapping | KeyMapper;
  /** Indexes the controller needs on this resource's shared cache. */
  indexers?: Record<string, IndexFunc>;
}

/** Listers by resource, all reading the shared caches. */
export interface Listers {
  get<T extends KubeObject = KubeObject>(ref: ResourceRef): Lister<T>;
}

/** What `reconcile` works with: listers to read, the client to write, a recorder for Events. */
export interface ReconcileContext {
  client: KubeClient;
  listers: Listers;
  recorder: EventRecorder;
  /** Aborted when the controller is stopping. */
  signal: AbortSignal;
  log: (msg: string, extra?: Record<string, unknown>) => void;
}

/** Optional result of a reconcile: process the key again after a delay even though it succeeded. */
export interface ReconcileResult {
  requeueAfterMs?: number;
}

/**
 * The controller contract of ARCHITECTURE.md: a name, what it watches, and a level-based,
 * idempotent `reconcile(ctx, key)` for a `namespace/name` key of its primary resource. A thrown
 * error retries the key with rate-limited backoff; success forgets its failure history.
 */
export interface Controller {
  name: string;
  watches: WatchSpec[];
  reconcile(ctx: ReconcileContext, key: string): Promise<void | ReconcileResult>;
  /** Parallel workers (default 1 here; the runner's option overrides). */
  workers?: number;
}

/** The key of the object's controlling owner of the given kind, or none. */
export function ownerKeys(obj: KubeObject, mapping: OwnerMapping): string[] {
  const owner = obj.metadata?.ownerReferences?.find((ref) => ref.controller === true && ref.kind === mapping.ownerKind && (mapping.ownerGroup === undefined || parseApiVersion(ref.apiVersion).group === mapping.ownerGroup));
  if (!owner) return [];
  const namespace = obj.metadata?.namespace;
  return [namespace ? `${namespace}/${owner.name}` : owner.name];
}

/** The keys an event on `obj` enqueues under a WatchSpec's mapping. */
export function keysFor(map: WatchSpec['map'], obj: KubeObject): string[] {
  if (map === undefined || map === 'self') return [objectKey(obj)];
  if (map === 'none') return [];
  if (typeof map === 'function') return map(obj);
  return ownerKeys(obj, map);
}

/**
 * Listers over fixed objects, for tests that seed a cache and call `reconcile` once. The objects
 * are frozen like informer-cached ones, so a reconcile that mutates a cached object fails the test.
 */
export function seededListers(seed: [ResourceRef, KubeObject[]][]): Listers {
  const indexers = new Map<string, Indexer>();
  for (const [ref, objects] of seed) {
    const indexer = indexers.get(refId(ref)) ?? new Indexer();
    for (const obj of objects) indexer.set(deepFreeze(obj));
    indexers.set(refId(ref), indexer);
  }
  return {
    get<T extends KubeObject>(ref: ResourceRef): Lister<T> {
      let indexer = indexers.get(refId(ref));
      if (!indexer) indexers.set(refId(ref), (indexer = new Indexer()));
      return new Lister(indexer as unknown as Indexer<T>);
    },
  };
}

/** What a runner needs from its process. */
export interface RunnerOptions {
  factory: SharedInformerFactory;
  recorder: EventRecorder;
  /** Workers per controller (overrides the controller's own). */
  workers?: number;
  queue?: WorkQueue<string>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * Runs one controller (sample-controller's Run): registers event handlers on the shared
 * informers of its watches, starts them, waits for every cache to sync, then runs workers that
 * take keys from a rate-limited, deduplicating queue, call `reconcile`, forget the key on success
 * and requeue it with backoff on error. `run` resolves after `signal` aborts and the workers drained.
 */
export class ControllerRunner {
  readonly queue: WorkQueue<string>;
  private readonly log: (msg: string, extra?: Record<string, unknown>) => void;

  constructor(
    readonly controller: Controller,
    private readonly opts: RunnerOptions,
  ) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.log = opts.log ?? (() => {});
  }

  async run(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    const { factory } = this.opts;
    const unregister = this.controller.watches.map((watch) => this.register(watch));
    factory.start();
    const onAbort = (): void => this.queue.shutDown();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (!(await factory.waitForCacheSync(signal))) return;
      const ctx: ReconcileContext = {
        client: factory.client,
        listers: { get: (ref) => factory.lister(ref) },
        recorder: this.opts.recorder,
        signal,
        log: (msg, extra) => this.log(msg, { controller: this.controller.name, ...extra }),
      };
      const workers = this.opts.workers ?? this.controller.workers ?? 1;
      await Promise.all(Array.from({ length: workers }, () => this.worker(ctx)));
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.queue.shutDown();
      for (const off of unregister) off();
    }
  }

  private register(watch: WatchSpec): () => void {
    const informer = this.opts.factory.informerFor(watch.resource, watch.indexers);
    const enqueue = (obj: KubeObject): void => {
      for (const key of keysFor(watch.map, obj)) this.queue.add(key);
    };
    return informer.addEventHandler({
      onAdd: enqueue,
      // An owned object that changed owners wakes both the old and the new owner.
      onUpdate: (oldObj, newObj) => {
        enqueue(newObj);
        if (oldObj !== newObj) enqueue(oldObj);
      },
      onDelete: enqueue,
    });
  }

  private async worker(ctx: ReconcileContext): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        const result = await this.controller.reconcile(ctx, key);
        this.queue.forget(key);
        if (result?.requeueAfterMs !== undefined) this.queue.addAfter(key, result.requeueAfterMs);
      } catch (err) {
        this.log('reconcile failed; requeued with backoff', { controller: this.controller.name, key, requeues: this.queue.numRequeues(key), error: err instanceof Error ? err.message : String(err) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

/** Runs several controllers on one factory until `signal` aborts. */
export async function runControllers(controllers: Controller[], opts: Omit<RunnerOptions, 'queue'>, signal: AbortSignal): Promise<void> {
  await Promise.all(controllers.map((c) => new ControllerRunner(c, opts).run(signal)));
}
