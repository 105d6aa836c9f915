/**
 * The garbage collector (k8s.io/kubernetes/pkg/controller/garbagecollector), as a level-based
 * controller over a uid graph that lives in the shared informer caches: every collected resource's
 * cache is indexed by the uids its objects name in `metadata.ownerReferences`, so "the dependents
 * of uid U" is one index lookup per resource.
 *
 * - Background: an object all of whose owners are gone (absent, or present with another uid) is
 *   deleted; owners are confirmed absent with a live GET when the cache does not have them, as
 *   Kubernetes does, so a dependent seen before its new owner is never collected.
 * - Foreground: an owner with deletionTimestamp and the `foregroundDeletion` finalizer has its
 *   dependents deleted; the finalizer is removed once no dependent with `blockOwnerDeletion: true`
 *   remains. Dependents that have dependents of their own are deleted in the foreground too.
 * - Orphan: an owner with deletionTimestamp and the `orphan` finalizer has its ownerReference removed
 *   from every dependent, then the finalizer is removed.
 * - A dependent with other live owners only loses its references to gone or foreground-deleting ones.
 *
 * Work-queue keys carry the resource, the object's key and its uid (`group/version/resource|ns/name|uid`),
 * so that a deleted object's dependents can still be found after it left the cache.
 */
import type { KubeObject } from '../api/object.ts';
import { parseApiVersion, RESOURCES, type ResourceInfo } from '../api/registry.ts';
import { refId } from '../client/resource-ref.ts';
import type { Controller, ReconcileContext, WatchSpec } from '../machinery/controller.ts';
import { objectKey, splitKey, type IndexFunc } from '../machinery/indexer.ts';
import { ignoreCodes, removeFinalizer, removeOwnerReferences } from './object-patches.ts';

/** The finalizer DeleteOptions.propagationPolicy=Foreground puts on the owner (metav1.FinalizerDeleteDependents). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
/** The finalizer propagationPolicy=Orphan puts on the owner (metav1.FinalizerOrphanDependents). */
export const ORPHAN_FINALIZER = 'orphan';
/** The cache index of objects by the uids of their owners. */
export const OWNER_UID_INDEX = 'garbagecollector/owner-uid';

type OwnerRef = NonNullable<KubeObject['metadata']['ownerReferences']>[number];
type OwnerState = 'solid' | 'dangling' | 'waiting';

/** Indexes an object under every owner uid it names. */
export const byOwnerUid: IndexFunc = (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid);

/**
 * The resources the collector watches: every resource with list, watch and delete, one served
 * version per stored resource (autoscaling/v1 HPAs are the v2 objects), without core and
 * events.k8s.io Events, which Kubernetes' DefaultIgnoredResources leaves out.
 */
export function collectedResources(): ResourceInfo[] {
  return RESOURCES.filter(
    (r) => r.version === r.storageVersion && r.resource !== 'events' && ['list', 'watch', 'delete'].every((v) => r.verbs.includes(v as never)),
  );
}

/** The resource an ownerReference points at, in its stored version; undefined when skiff does not serve the kind. */
export function ownerResource(ref: Pick<OwnerRef, 'apiVersion' | 'kind'>): ResourceInfo | undefined {
  const { group } = parseApiVersion(ref.apiVersion);
  return collectedResources().find((r) => r.group === group && r.kind === ref.kind);
}

/** The work-queue key of an object of a collected resource. */
export function gcKey(info: ResourceInfo, namespace: string | undefined, name: string, uid: string): string {
  return `${refId(info)}|${namespace ? `${namespace}/${name}` : name}|${uid}`;
}

/**
 * The keys an event on `obj` wakes: the object itself and each owner it names (so a foreground
 * owner notices its blocking dependents going away). A cluster-scoped object naming a namespaced
 * owner has an unresolvable reference (Kubernetes 1.20+) and wakes nothing for it.
 */
export function keysForObject(info: ResourceInfo, obj: KubeObject): string[] {
  const { namespace, name, uid } = obj.metadata;
  const keys = [gcKey(info, namespace, name!, uid ?? '')];
  for (const ref of obj.metadata.ownerReferences ?? []) {
    const owner = ownerResource(ref);
    if (!owner || (owner.namespaced && !namespace)) continue;
    keys.push(gcKey(owner, owner.namespaced ? namespace : undefined, ref.name, ref.uid));
  }
  return keys;
}

interface Item {
  info: ResourceInfo;
  obj: KubeObject;
}

/** Options of the garbage collector. */
export interface GarbageCollectorOptions {
  /** Resources to collect (default collectedResources()). */
  resources?: ResourceInfo[];
  /** Parallel workers (kube-controller-manager's --concurrent-gc-syncs defaults to 20). */
  workers?: number;
}

/** Creates the garbage collector controller. */
export function garbageCollectorController(opts: GarbageCollectorOptions = {}): Controller {
  const resources = opts.resources ?? collectedResources();
  const byId = new Map(resources.map((r) => [refId(r), r]));
  // Uids confirmed absent by a live GET; uids are never reused, so this cache cannot go stale
  // (Kubernetes' absentOwnerCache). Bounded by clearing.
  const absent = new Set<string>();

  const watches: WatchSpec[] = resources.map((info) => ({
    resource: info,
    map: (obj: KubeObject) => keysForObject(info, obj),
    indexers: { [OWNER_UID_INDEX]: byOwnerUid },
  }));

  function dependentsOf(ctx: ReconcileContext, uid: string): Item[] {
    const out: Item[] = [];
    for (const info of resources) {
      const lister = ctx.listers.get(info);
      let objs: KubeObject[];
      try {
        objs = lister.byIndex(OWNER_UID_INDEX, uid);
      } catch {
        // A cache without the index (seeded listers in tests): scan it.
        objs = lister.list().filter((o) => byOwnerUid(o).includes(uid));
      }
      for (const obj of objs) out.push({ info, obj });
    }
    return out;
  }

  async function ownerState(ctx: ReconcileContext, dependent: KubeObject, ref: OwnerRef): Promise<OwnerState | undefined> {
    const info = ownerResource(ref);
    // An unknown kind, or a namespaced owner of a cluster-scoped object, can never be verified
    // absent: Kubernetes keeps such dependents, so they count as owned here.
    if (!info || (info.namespaced && !dependent.metadata.namespace)) return undefined;
    if (absent.has(ref.uid)) return 'dangling';
    const namespace = info.namespaced ? dependent.metadata.namespace : undefined;
    let owner = ctx.listers.get(info).get(namespace, ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) {
      // The cache may not have a just-created owner yet: confirm with the server.
      owner = await ignoreCodes(ctx.client.get(info, namespace, ref.name, { signal: ctx.signal }));
      if (!owner || owner.metadata.uid !== ref.uid) {
        if (absent.size >= 10_000) absent.clear();
        absent.add(ref.uid);
        return 'dangling';
      }
    }
    if (owner.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND_FINALIZER)) return 'waiting';
    return 'solid';
  }

  async function deleteItem(ctx: ReconcileContext, item: Item, propagationPolicy: 'Orphan' | 'Foreground' | 'Background'): Promise<void> {
    const { namespace, name, uid } = item.obj.metadata;
    ctx.log('deleting object', { resource: refId(item.info), key: objectKey(item.obj), propagationPolicy });
    // The uid precondition keeps a recreated object of the same name safe; 409 means it was replaced.
    await ignoreCodes(ctx.client.delete(item.info, namespace, name!, { preconditions: { uid }, propagationPolicy, signal: ctx.signal }), [404, 409]);
  }

  /** Kubernetes' attemptToDeleteItem: collect `item` if none of its owners is alive. */
  async function attemptToDelete(ctx: ReconcileContext, item: Item): Promise<void> {
    const meta = item.obj.metadata;
    if (meta.deletionTimestamp) {
      if (meta.finalizers?.includes(FOREGROUND_FINALIZER)) await processDeletingDependents(ctx, item);
      return;
    }
    const refs = meta.ownerReferences ?? [];
    if (refs.length === 0) return;
    const states = await Promise.all(refs.map((ref) => ownerState(ctx, item.obj, ref)));
    const gone = new Set(refs.filter((_, i) => states[i] === 'dangling' || states[i] === 'waiting').map((r) => r.uid));
    if (states.some((s) => s === 'solid' || s === undefined)) {
      // Still owned: only drop the references to owners that are gone or going.
      if (gone.size > 0) await removeOwnerReferences(ctx.client, item.info, item.obj, gone);
      return;
    }
    const finalizers = meta.finalizers ?? [];
    let policy: 'Orphan' | 'Foreground' | 'Background' = 'Background';
    if (finalizers.includes(ORPHAN_FINALIZER)) policy = 'Orphan';
    else if (finalizers.includes(FOREGROUND_FINALIZER)) policy = 'Foreground';
    else if (states.includes('waiting') && dependentsOf(ctx, meta.uid!).length > 0) policy = 'Foreground';
    await deleteItem(ctx, item, policy);
  }

  /** Kubernetes' processDeletingDependentsItem, plus deleting the dependents of a foreground owner. */
  async function processDeletingDependents(ctx: ReconcileContext, owner: Item): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    const dependents = dependentsOf(ctx, uid);
    const blocks = (d: Item): boolean => (d.obj.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true);
    const blocking = dependents.filter(blocks);
    if (blocking.length === 0) {
      await removeFinalizer(ctx.client, owner.info, owner.obj, FOREGROUND_FINALIZER);
      return;
    }
    // Blocking dependents first; their deletion events wake this owner again.
    for (const dep of [...blocking, ...dependents.filter((d) => !blocks(d))]) await attemptToDelete(ctx, dep);
  }

  /** Orphans the dependents of an owner deleted with propagationPolicy=Orphan. */
  async function orphanDependents(ctx: ReconcileContext, owner: Item): Promise<void> {
    const uid = owner.obj.metadata.uid!;
    for (const dep of dependentsOf(ctx, uid)) await removeOwnerReferences(ctx.client, dep.info, dep.obj, new Set([uid]));
    await removeFinalizer(ctx.client, owner.info, owner.obj, ORPHAN_FINALIZER);
  }

  async function reconcile(ctx: ReconcileContext, key: string): Promise<void> {
    const parsed = parseGcKey(key, byId);
    if (!parsed) return;
    const { info, namespace, name, uid } = parsed;
    const obj = ctx.listers.get(info).get(namespace || undefined, name);
    if (!obj || obj.metadata.uid !== uid) {
      // The object with this uid is gone: its dependents may have lost their last owner.
      if (uid) for (const dep of dependentsOf(ctx, uid)) await attemptToDelete(ctx, dep);
      return;
    }
    const item = { info, obj };
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && finalizers.includes(ORPHAN_FINALIZER)) return orphanDependents(ctx, item);
    await attemptToDelete(ctx, item);
  }

  return { name: 'garbage-collector', watches, reconcile, workers: opts.workers ?? 4 };
}

/** Splits a gcKey; undefined for a resource the collector does not track. */
export function parseGcKey(key: string, byId: Map<string, ResourceInfo>): { info: ResourceInfo; namespace: string; name: string; uid: string } | undefined {
  const first = key.indexOf('|');
  const last = key.lastIndexOf('|');
  if (first < 0 || last === first) return undefined;
  const info = byId.get(key.slice(0, first));
  if (!info) return undefined;
  const { namespace, name } = splitKey(key.slice(first + 1, last));
  return { info, namespace, name, uid: key.slice(last + 1) };
}

