/**
 * Creation and deletion expectations (pkg/controller ControllerExpectations), keyed by controller.
 * A controller that created or deleted pods must not act again on a cache that has not seen
 * those writes yet, or it would create (or delete) twice. Kubernetes counts the writes down in its
 * informer handlers; here the reconcile remembers what it wrote and checks the cache for it:
 * a created pod is observed once it is in the cache (or the cache has moved past the create's
 * resourceVersion, so it came and went), a deleted pod once it is gone or terminating.
 * Expectations older than five minutes are dropped, as Kubernetes' ExpectationsTimeout.
 */
import type { KubeObject } from '../api/object.ts';

/** Kubernetes' ExpectationsTimeout. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Pending {
  /** Created object name -> the resourceVersion the create returned. */
  adds: Map<string, number>;
  /** Deleted object name -> its uid. */
  deletes: Map<string, string>;
  since: number;
}

/** A read-only view of the cache the expectations are checked against (one namespace). */
export interface ExpectationCache {
  get(name: string): KubeObject | undefined;
  /** The highest resourceVersion among the cached objects of the namespace. */
  latestRevision(): number;
}

/** Outstanding writes per controller key. */
export class Expectations {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Records objects this controller just created (as the create returned them). */
  expectCreations(key: string, created: KubeObject[]): void {
    const p = this.entry(key);
    for (const obj of created) p.adds.set(obj.metadata.name!, Number(obj.metadata.resourceVersion ?? 0));
  }

  /** Records objects this controller just deleted. */
  expectDeletions(key: string, deleted: KubeObject[]): void {
    const p = this.entry(key);
    for (const obj of deleted) p.deletes.set(obj.metadata.name!, obj.metadata.uid ?? '');
  }

  /**
   * Whether the cache reflects every recorded write (SatisfiedExpectations). Observed writes are
   * dropped; a fully observed or expired entry is forgotten.
   */
  satisfied(key: string, cache: ExpectationCache): boolean {
    const p = this.pending.get(key);
    if (!p) return true;
    if (this.now() - p.since > EXPECTATIONS_TIMEOUT_MS) {
      this.pending.delete(key);
      return true;
    }
    const latest = cache.latestRevision();
    for (const [name, rv] of p.adds) if (cache.get(name) || latest >= rv) p.adds.delete(name);
    for (const [name, uid] of p.deletes) {
      const obj = cache.get(name);
      if (!obj || obj.metadata.uid !== uid || obj.metadata.deletionTimestamp) p.deletes.delete(name);
    }
    if (p.adds.size > 0 || p.deletes.size > 0) return false;
    this.pending.delete(key);
    return true;
  }

  /** Drops everything recorded for a controller (it was deleted). */
  forget(key: string): void {
    this.pending.delete(key);
  }

  private entry(key: string): Pending {
    let p = this.pending.get(key);
    if (!p) this.pending.set(key, (p = { adds: new Map(), deletes: new Map(), since: this.now() }));
    p.since = this.now();
    return p;
  }
}
