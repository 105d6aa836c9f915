import type { KubeObject } from '../api/object.ts';
import type { KubeClient } from '../client/interface.ts';
import { refId, type ResourceRef } from '../client/resource-ref.ts';
import type { IndexFunc } from './indexer.ts';
import { SharedInformer, type InformerOptions } from './informer.ts';
import type { Lister } from './lister.ts';

/** Options every informer of a factory shares. */
export interface InformerFactoryOptions {
  /** Default resync period of the informers, in ms (0: none). */
  resyncPeriodMs?: number;
  /** Restrict every informer to one namespace. */
  namespace?: string;
  /** Applied to every object of every informer before it is cached (see InformerOptions.transform). */
  transform?: (obj: KubeObject, ref: ResourceRef) => KubeObject;
  log?: InformerOptions['log'];
}

/**
 * Hands out one SharedInformer per resource, so that every controller in a process shares one
 * list-and-watch and one cache per resource (client-go's SharedInformerFactory). Informers asked
 * for after `start()` start at once.
 */
export class SharedInformerFactory {
  private readonly informers = new Map<string, SharedInformer<KubeObject>>();
  private started = false;

  constructor(
    readonly client: KubeClient,
    private readonly opts: InformerFactoryOptions = {},
  ) {}

  /** The shared informer of a resource, created on first use; `indexers` are added if missing. */
  informerFor<T extends KubeObject = KubeObject>(ref: ResourceRef, indexers?: Record<string, IndexFunc<T>>): SharedInformer<T> {
    const id = refId(ref);
    let informer = this.informers.get(id) as SharedInformer<T> | undefined;
    if (!informer) {
      const transform = this.opts.transform;
      informer = new SharedInformer<T>(this.client, ref, {
        namespace: this.opts.namespace,
        resyncPeriodMs: this.opts.resyncPeriodMs,
        log: this.opts.log,
        transform: transform ? (obj) => transform(obj, ref) as T : undefined,
      });
      this.informers.set(id, informer as unknown as SharedInformer<KubeObject>);
      if (this.started) informer.start();
    }
    if (indexers) informer.addIndexers(indexers);
    return informer;
  }

  /** The lister of a resource's shared informer. */
  lister<T extends KubeObject = KubeObject>(ref: ResourceRef): Lister<T> {
    return this.informerFor<T>(ref).lister();
  }

  /** Starts every informer created so far, and any created later. */
  start(): void {
    this.started = true;
    for (const informer of this.informers.values()) informer.start();
  }

  /** Resolves true once every informer has synced; false if one was stopped or `signal` aborted first. */
  async waitForCacheSync(signal?: AbortSignal): Promise<boolean> {
    const results = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(signal)));
    return results.every(Boolean);
  }

  /** Stops every informer. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
  }
}
