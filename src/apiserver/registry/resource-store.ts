import { randomUUID } from 'node:crypto';
import { applyCreateDefaults, applyDefaults } from '../../api/defaults/index.ts';
import { validateCreate, validateUpdate } from '../../api/validation/index.ts';
import { trackUpdate } from '../../api/patch/managed-fields.ts';
import { StatusError, alreadyExists, badRequest, conflict, invalid, notFound, STALE_OBJECT_MESSAGE } from '../../api/errors.ts';
import { cloneJson, jsonEqual, nowTimestamp, type KubeObject } from '../../api/object.ts';
import { apiVersionOf, storageKey, storagePrefix, type ResourceInfo } from '../../api/registry.ts';
import { KeyExistsError, KeyNotFoundError, RevisionMismatchError, type Storage } from '../../storage/interface.ts';
import type { WatchCache } from '../watch-cache.ts';
import { encodeForWrite, encodeStored, forgetWritten, type CachedObject } from '../stored-object.ts';
import { specChanged, strategyFor, type Strategy } from './strategy.ts';
import { generateNameSuffix } from './generate-name.ts';

/** Options every write carries (query parameters of the request). */
export interface WriteOptions {
  dryRun: boolean;
  fieldManager: string;
  subresource?: string;
  /** Server-side apply records its own managedFields (operation Apply); other writes are tracked as Update. */
  appliedFields?: boolean;
  /** A system write through a subresource with its own rules (pods/binding): update validation is skipped. */
  internal?: boolean;
}

export interface DeleteOptions {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** What a write produced: the object as stored (with its resourceVersion) and whether it was created. */
export interface WriteResult {
  object: KubeObject;
  json: string;
  /** `json` as UTF-8 when the result came from the cache (which encoded it once); responses send these bytes. */
  bytes?: Buffer;
  created?: boolean;
  /** For deletes: false when the object only got a deletionTimestamp (finalizers or graceful deletion pending). */
  deleted?: boolean;
  /** True when the write changed nothing and was skipped (the object keeps its resourceVersion). */
  unchanged?: boolean;
}

/** Computes the new state of an object from its current one (undefined when it does not exist). */
export type Mutation = (current: KubeObject | undefined) => KubeObject | Promise<KubeObject>;

/** How often a read-modify-write retries after losing a race with another writer. */
const MAX_CONFLICT_RETRIES = 5;

/*
 * LAZY_SYNC: writes start from the watch cache as it is, without first asking the store for its
 * current revision (on etcd that is a round trip per write, as much as the write itself). This is
 * safe because the cache holds every write this server has acknowledged (a write answers only once
 * the cache has applied it), and every storage write is guarded by the modRevision it was computed
 * from, so a write based on a stale object (one changed through another API server sharing the
 * store) is refused by the store and retried once the cache has caught up. A refusal or a no-op the
 * cache decides on its own (404, 409 on a resourceVersion precondition, "unchanged", a failed
 * mutation) could be an artefact of a stale cache, so those are confirmed after a sync and decided
 * again if the object moved, as Kubernetes' GuaranteedUpdate re-reads from etcd when an update
 * computed from its cached object fails or changes nothing. Dry runs sync first.
 */

/**
 * The generic store of one resource, the counterpart of Kubernetes' genericregistry.Store: reads
 * come from the watch cache, writes go to the store guarded by the revision they were computed from,
 * with the metadata rules of the API (uid, creationTimestamp, generation, resourceVersion
 * preconditions, finalizers and deletionTimestamp, managedFields) and defaulting and validation.
 */
export class ResourceStore {
  readonly strategy: Strategy;
  readonly prefix: string;

  constructor(
    readonly info: ResourceInfo,
    private readonly storage: Storage,
    private readonly cache: WatchCache,
  ) {
    this.strategy = strategyFor(info);
    this.prefix = storagePrefix(info);
  }

  key(namespace: string | undefined, name: string): string {
    return storageKey(this.info, namespace, name);
  }

  /** The cached object, or undefined. */
  peek(namespace: string | undefined, name: string): CachedObject | undefined {
    return this.cache.resource(this.prefix).objects.get(this.key(namespace, name));
  }

  /** Every cached object of the resource (all namespaces). */
  peekAll(): KubeObject[] {
    return [...this.cache.resource(this.prefix).objects.values()].map((entry) => entry.object);
  }

  /** A consistent read of one object (404 NotFound if absent). */
  async get(namespace: string | undefined, name: string): Promise<CachedObject> {
    await this.cache.sync();
    const found = this.peek(namespace, name);
    if (!found) throw notFound(this.info.resource, this.info.group, name);
    return found;
  }

  /** Creates an object (body already decoded and checked against the URL); `input` is not modified. */
  create(namespace: string | undefined, input: KubeObject, options: WriteOptions): Promise<WriteResult> {
    return this.createOwned(namespace, cloneJson(input), options);
  }

  /**
   * {@link create} of an object the caller hands over (a freshly decoded request body it does not
   * use again): the store fills in and modifies `object` instead of copying it first.
   */
  async createOwned(namespace: string | undefined, object: KubeObject, options: WriteOptions): Promise<WriteResult> {
    const meta = object.metadata;
    if (!meta.name) {
      if (!meta.generateName) throw invalid(this.info.kind, this.info.group, '', [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
      meta.name = meta.generateName + generateNameSuffix();
    }
    if (this.info.namespaced) meta.namespace = namespace;
    else delete meta.namespace;
    object.apiVersion = apiVersionOf(this.info);
    object.kind = this.info.kind;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowTimestamp();
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete (meta as Record<string, unknown>).selfLink;
    if (this.strategy.hasGeneration) meta.generation = 1;
    else delete meta.generation;
    if (this.strategy.readsCache) await this.cache.sync();
    await this.strategy.prepareForCreate?.(object);
    applyDefaults(this.info, object);
    applyCreateDefaults(this.info, object);
    this.check(validateCreate(this.info, object), meta.name);
    const tracked = options.appliedFields ? object : trackUpdate(undefined, object, this.fieldsContext(options));
    if (options.dryRun) return this.result(tracked, 0, true);
    // `tracked` is this write's own (its parts are the handed-over `object` or frozen cache parts): the cache may take it.
    const value = encodeForWrite(tracked);
    try {
      const revision = await this.storage.create(this.key(namespace, meta.name), value);
      return await this.fromCache(namespace, meta.name, revision, { created: true });
    } catch (err) {
      forgetWritten(value);
      this.strategy.release?.(tracked);
      if (err instanceof KeyExistsError) throw alreadyExists(this.info.resource, this.info.group, meta.name);
      throw err;
    }
  }

  /**
   * Read-modify-write of one object: `mutate` computes the new object from the current one; the
   * result is written guarded by the current revision and retried if another writer got there
   * first, unless the new object names a resourceVersion itself (then a mismatch is 409 Conflict,
   * Kubernetes' optimistic concurrency). When `allowCreate`, a missing object is created.
   */
  update(namespace: string | undefined, name: string, mutate: Mutation, options: WriteOptions & { allowCreate?: boolean }): Promise<WriteResult> {
    return this.readModifyWrite(namespace, name, async (current) => cloneJson(await mutate(current ? cloneJson(current.object) : undefined)), options);
  }

  /**
   * A PUT: {@link update} to `object`, which the caller hands over (a freshly decoded request body
   * it does not use again), so neither the current object nor the new one is copied. A retry after
   * a lost race (possible only without a resourceVersion in `object`) starts from a pristine copy.
   */
  replace(namespace: string | undefined, name: string, object: KubeObject, options: WriteOptions): Promise<WriteResult> {
    const pristine = object.metadata?.resourceVersion ? undefined : cloneJson(object);
    let first = true;
    return this.readModifyWrite(
      namespace,
      name,
      () => {
        const next = first || !pristine ? object : cloneJson(pristine);
        first = false;
        return next;
      },
      options,
    );
  }

  private async readModifyWrite(namespace: string | undefined, name: string, proposedFor: (current: CachedObject | undefined) => KubeObject | Promise<KubeObject>, options: WriteOptions & { allowCreate?: boolean }): Promise<WriteResult> {
    // See LAZY_SYNC: the write starts from the cache as it is; the store's guard catches a stale base.
    let fresh = options.dryRun || this.strategy.readsCache ? await this.syncCache() : false;
    for (let attempt = 0; ; ) {
      const current = this.peek(namespace, name);
      let requested: string | undefined;
      try {
        // A create (allowCreate) is decided only on a fresh cache: on a stale one it could hit an
        // existing key and answer AlreadyExists to what should have been an update.
        if (!current && options.allowCreate && !fresh) {
          fresh = await this.syncCache();
          continue;
        }
        if (!current && !options.allowCreate) throw notFound(this.info.resource, this.info.group, name);
        const proposed = await proposedFor(current);
        if (!current) return await this.createOwned(namespace, { ...proposed, metadata: { ...proposed.metadata, name } }, options);
        requested = proposed.metadata?.resourceVersion;
        if (requested && requested !== current.object.metadata.resourceVersion) {
          throw conflict(this.info.resource, this.info.group, name, STALE_OBJECT_MESSAGE);
        }
        const result = await this.write(namespace, name, current, proposed, options);
        if (!result.unchanged || fresh) return result;
        fresh = true;
        if (await this.stillCurrent(namespace, name, current)) return result;
      } catch (err) {
        if (err instanceof RevisionMismatchError) {
          // The store refused the guard: with the client's own resourceVersion that is its conflict.
          if (requested || ++attempt > MAX_CONFLICT_RETRIES) throw conflict(this.info.resource, this.info.group, name, STALE_OBJECT_MESSAGE);
          fresh = await this.catchUp(err);
          continue;
        }
        if (err instanceof KeyNotFoundError) throw notFound(this.info.resource, this.info.group, name);
        if (!(err instanceof StatusError) || fresh) throw err;
        fresh = true;
        if (await this.stillCurrent(namespace, name, current)) throw err;
      }
    }
  }

  /**
   * A system write straight to storage, as Kubernetes' registries do with GuaranteedUpdate for
   * pods/binding (assignPod): no defaulting, validation or managedFields, and no copy of the object.
   * `mutate` receives the cached (frozen) object and must return a new object that shares the
   * unchanged parts, never modifying its input. Retries when another writer got there first.
   */
  async updateDirect(namespace: string | undefined, name: string, mutate: (current: KubeObject) => KubeObject, options: { dryRun: boolean }): Promise<WriteResult> {
    let fresh = options.dryRun ? await this.syncCache() : false;
    for (let attempt = 0; ; ) {
      const current = this.peek(namespace, name);
      try {
        if (!current) throw notFound(this.info.resource, this.info.group, name);
        const object = mutate(current.object);
        if (options.dryRun) return this.result(object, current.revision, false);
        const revision = await this.storage.update(this.key(namespace, name), encodeStored(object), current.revision);
        return await this.fromCache(namespace, name, revision, { created: false });
      } catch (err) {
        if (err instanceof RevisionMismatchError) {
          if (++attempt > MAX_CONFLICT_RETRIES) throw conflict(this.info.resource, this.info.group, name, STALE_OBJECT_MESSAGE);
          fresh = await this.catchUp(err);
          continue;
        }
        if (err instanceof KeyNotFoundError) throw notFound(this.info.resource, this.info.group, name);
        if (!(err instanceof StatusError) || fresh) throw err;
        fresh = true;
        if (await this.stillCurrent(namespace, name, current)) throw err;
      }
    }
  }

  /** Brings the cache up to the store's current revision; returns true (the cache is now fresh). */
  private async syncCache(): Promise<true> {
    await this.cache.sync();
    return true;
  }

  /** After a failed guard: waits until the cache holds the key at the revision the store reported (fresh for this key). */
  private async catchUp(err: RevisionMismatchError): Promise<true> {
    await this.cache.waitFor(err.actual.modRevision);
    return true;
  }

  /**
   * Whether a refusal or a no-op decided on the cache as it was still holds: syncs the cache with
   * the store, then checks that the object is at the revision the decision was made on (or still
   * absent). If not, the caller decides again on the fresher cache.
   */
  private async stillCurrent(namespace: string | undefined, name: string, decidedOn: CachedObject | undefined): Promise<boolean> {
    await this.cache.sync();
    return this.peek(namespace, name)?.revision === decidedOn?.revision;
  }

  private async write(namespace: string | undefined, name: string, current: CachedObject, proposed: KubeObject, options: WriteOptions): Promise<WriteResult> {
    const old = current.object;
    const object = this.merged(old, proposed, options.subresource);
    if (object.metadata.name !== name) throw badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    await this.strategy.prepareForUpdate?.(object, old);
    applyDefaults(this.info, object);
    if (this.strategy.hasGeneration && specChanged(object, old)) object.metadata.generation = (old.metadata.generation ?? 1) + 1;
    if (!options.internal) this.check(validateUpdate(this.info, object, old), name);
    const tracked = options.appliedFields ? object : trackUpdate(old, object, this.fieldsContext(options));
    const unchanged = jsonEqual({ ...tracked, metadata: { ...tracked.metadata, managedFields: undefined } }, { ...old, metadata: { ...old.metadata, managedFields: undefined } });
    // Kubernetes skips the write (and keeps the resourceVersion) when an update changes nothing.
    if (unchanged) return { object: old, json: current.json, bytes: current.bytes, created: false, unchanged: true };
    if (options.dryRun) return this.result(tracked, current.revision, false);
    const key = this.key(namespace, name);
    if (tracked.metadata.deletionTimestamp && (tracked.metadata.finalizers ?? []).length === 0 && this.finalizedOnEmpty(tracked)) {
      const { revision } = await this.storage.delete(key, current.revision);
      return Object.assign(this.deletedResult(tracked, revision), { created: false });
    }
    // `tracked` is this write's own (proposals are handed over or copied; the rest is frozen cache parts): the cache may take it.
    const value = encodeForWrite(tracked);
    let revision: number;
    try {
      revision = await this.storage.update(key, value, current.revision);
    } catch (err) {
      forgetWritten(value);
      throw err;
    }
    return this.fromCache(namespace, name, revision, { created: false });
  }

  /**
   * The object a write stores: identity and system fields always come from the old object; a main
   * write keeps the old status (when status is a subresource), a status write keeps everything but status.
   */
  private merged(old: KubeObject, proposed: KubeObject, subresource: string | undefined): KubeObject {
    if (subresource === 'status') {
      const object = cloneJson(old);
      object.status = proposed.status;
      return object;
    }
    if (subresource === 'binding') {
      // pods/binding sets spec.nodeName and the PodScheduled condition in one write, as Kubernetes' assignPod does.
      const object = cloneJson(old);
      object.spec = proposed.spec;
      object.status = proposed.status;
      return object;
    }
    if (subresource === 'finalize') {
      // namespaces/finalize changes only spec.finalizers (the namespace controller's last step).
      const object = cloneJson(old);
      object.spec = { ...(old.spec as object), finalizers: (proposed.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [] };
      return object;
    }
    const object: KubeObject = { ...proposed, apiVersion: old.apiVersion, kind: old.kind, metadata: { ...proposed.metadata } };
    const meta = object.metadata;
    for (const field of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'namespace'] as const) {
      if (old.metadata[field] === undefined) delete meta[field];
      else (meta as Record<string, unknown>)[field] = old.metadata[field];
    }
    delete meta.resourceVersion;
    if (meta.managedFields === undefined && old.metadata.managedFields) meta.managedFields = old.metadata.managedFields;
    if (this.strategy.hasStatusSubresource) {
      if (old.status === undefined) delete object.status;
      else object.status = old.status;
    }
    return object;
  }

  /** An object with a deletionTimestamp goes away once its last finalizer is removed. */
  private finalizedOnEmpty(object: KubeObject): boolean {
    // Pods wait for the kubelet's final delete; namespaces for the namespace controller's.
    if (this.info.resource === 'pods' && this.info.group === '') return (object.metadata.deletionGracePeriodSeconds ?? 0) === 0;
    if (this.info.resource === 'namespaces' && this.info.group === '') return ((object.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length === 0;
    return true;
  }

  /**
   * Deletes an object. With finalizers present it only gets a deletionTimestamp; pods bound to a
   * node are deleted gracefully (the kubelet finishes the deletion); otherwise it goes at once.
   */
  async delete(namespace: string | undefined, name: string, options: DeleteOptions): Promise<WriteResult> {
    let fresh = options.dryRun ? await this.syncCache() : false;
    for (let attempt = 0; ; ) {
      const current = this.peek(namespace, name);
      try {
        if (!current) throw notFound(this.info.resource, this.info.group, name);
        this.checkPreconditions(current.object, options);
        const pending = this.pendingDeletion(current.object, options);
        if (pending) {
          if (options.dryRun) return { ...this.result(pending, current.revision, false), deleted: false };
          if (jsonEqual(pending, current.object)) {
            if (!fresh && !(await this.stillCurrent(namespace, name, current))) {
              fresh = true;
              continue;
            }
            return { object: current.object, json: current.json, bytes: current.bytes, deleted: false, unchanged: true };
          }
          const revision = await this.storage.update(this.key(namespace, name), encodeStored(pending), current.revision);
          return { ...(await this.fromCache(namespace, name, revision, {})), deleted: false };
        }
        if (options.dryRun) return { ...this.result(current.object, current.revision, false), deleted: true };
        const { revision } = await this.storage.delete(this.key(namespace, name), current.revision);
        this.strategy.release?.(current.object);
        await this.cache.waitFor(revision);
        return this.deletedResult(current.object, revision);
      } catch (err) {
        if (err instanceof RevisionMismatchError) {
          if (++attempt > MAX_CONFLICT_RETRIES) throw conflict(this.info.resource, this.info.group, name, STALE_OBJECT_MESSAGE);
          fresh = await this.catchUp(err);
          continue;
        }
        if (err instanceof KeyNotFoundError) throw notFound(this.info.resource, this.info.group, name);
        if (!(err instanceof StatusError) || fresh) throw err;
        fresh = true;
        if (await this.stillCurrent(namespace, name, current)) throw err;
      }
    }
  }

  private checkPreconditions(object: KubeObject, options: DeleteOptions): void {
    const pre = options.preconditions;
    if (pre?.uid && pre.uid !== object.metadata.uid) {
      throw conflict(this.info.resource, this.info.group, object.metadata.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${object.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== object.metadata.resourceVersion) {
      throw conflict(this.info.resource, this.info.group, object.metadata.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${object.metadata.resourceVersion}`);
    }
  }

  /** The object with deletion pending, or undefined when it can be removed now. */
  private pendingDeletion(live: KubeObject, options: DeleteOptions): KubeObject | undefined {
    const finalizers = [...(live.metadata.finalizers ?? [])];
    if (options.propagationPolicy === 'Foreground' && !finalizers.includes('foregroundDeletion')) finalizers.push('foregroundDeletion');
    if (options.propagationPolicy === 'Orphan' && !finalizers.includes('orphan')) finalizers.push('orphan');
    const graceful = this.gracefulSeconds(live, options);
    const namespaceFinalizers = this.info.resource === 'namespaces' && this.info.group === '' && ((live.spec as { finalizers?: string[] } | undefined)?.finalizers ?? []).length > 0;
    // The common case, removed at once, needs no copy of the object.
    if (finalizers.length === 0 && graceful === 0 && !namespaceFinalizers) return undefined;
    const object = cloneJson(live);
    const meta = object.metadata;
    delete meta.resourceVersion;
    // Namespaces are emptied by the namespace controller before they go (spec.finalizers).
    if (finalizers.length === 0 && namespaceFinalizers) return this.markNamespaceTerminating(object);
    if (finalizers.length > 0) meta.finalizers = finalizers;
    if (!meta.deletionTimestamp) {
      meta.deletionTimestamp = nowTimestamp(new Date(Date.now() + graceful * 1000));
      meta.deletionGracePeriodSeconds = graceful;
    } else if (graceful < (meta.deletionGracePeriodSeconds ?? 0)) {
      // A shorter grace period may replace a longer one (kubectl delete --grace-period=0 --force).
      meta.deletionTimestamp = nowTimestamp(new Date(Date.now() + graceful * 1000));
      meta.deletionGracePeriodSeconds = graceful;
      if (graceful === 0 && finalizers.length === 0) return undefined;
    }
    return object;
  }

  private markNamespaceTerminating(object: KubeObject): KubeObject {
    object.metadata.deletionTimestamp ??= nowTimestamp();
    object.metadata.deletionGracePeriodSeconds ??= 0;
    object.status = { ...(object.status as object), phase: 'Terminating' };
    return object;
  }

  /** Pods bound to a node get a grace period; everything else is deleted at once. */
  private gracefulSeconds(object: KubeObject, options: DeleteOptions): number {
    if (this.info.resource !== 'pods' || this.info.group !== '') return 0;
    const spec = object.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const phase = (object.status as { phase?: string } | undefined)?.phase;
    if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
    return options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
  }

  /**
   * The last state of a deleted object, stamped with the deletion's revision. The copy is shallow
   * (the cached object is frozen, so sharing its parts is safe) and serialized only if asked for:
   * most deletes answer with a Status, not the object.
   */
  private deletedResult(object: KubeObject, revision: number): WriteResult {
    const out: KubeObject = { ...object, metadata: { ...object.metadata, resourceVersion: String(revision) } };
    let json: string | undefined;
    return {
      object: out,
      get json() {
        return (json ??= JSON.stringify(out));
      },
      deleted: true,
    };
  }

  private check(causes: ReturnType<typeof validateCreate>, name: string): void {
    if (causes.length > 0) throw invalid(this.info.kind, this.info.group, name, causes);
  }

  private fieldsContext(options: WriteOptions) {
    return { manager: options.fieldManager, model: this.info.model, apiVersion: apiVersionOf(this.info), now: nowTimestamp(), subresource: options.subresource };
  }

  private result(object: KubeObject, revision: number, created: boolean): WriteResult {
    const out = cloneJson(object);
    if (revision) out.metadata.resourceVersion = String(revision);
    return { object: out, json: JSON.stringify(out), created };
  }

  private async fromCache(namespace: string | undefined, name: string, revision: number, extra: Partial<WriteResult>): Promise<WriteResult> {
    await this.cache.waitFor(revision);
    const cached = this.peek(namespace, name);
    if (!cached) throw new StatusError(500, 'InternalError', `object ${name} vanished after write`);
    return { object: cached.object, json: cached.json, bytes: cached.bytes, ...extra };
  }
}
