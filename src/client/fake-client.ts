import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { STALE_OBJECT_MESSAGE, alreadyExists, conflict, notFound, type Status } from '../api/errors.ts';
import { cloneJson, nowTimestamp, type KubeObject } from '../api/object.ts';
import { applyJsonPatch } from '../api/patch/json-patch.ts';
import { applyMergePatch } from '../api/patch/merge-patch.ts';
import type { DeleteOptions, KubeClient, ListOptions, ObjectList, PatchOptions, WatchOptions, WriteOptions } from './interface.ts';
import { refId, type ResourceRef } from './resource-ref.ts';
import { WatchStream } from './watch-stream.ts';

/** One call made to a FakeClient, as client-go's fake clientset records actions. */
export interface FakeAction {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete' | 'watch';
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  object?: KubeObject;
  patch?: unknown;
  /** For list: the resourceVersion and limit asked for. */
  list?: { resourceVersion?: string; limit?: number };
}

interface Watcher {
  id: string;
  namespace?: string;
  stream: PassThrough;
}

/**
 * An in-memory KubeClient for unit tests of controllers and machinery: objects live in a map with
 * a global resourceVersion counter, every call is recorded in `actions`, writes notify open
 * watches. It checks what controllers depend on (AlreadyExists, NotFound, 409 on a stale
 * resourceVersion) but does no defaulting, validation, finalizers or graceful deletion. Strategic
 * merge and apply patches are applied as JSON merge patches; label selectors support `k=v`,
 * `k==v` and `k!=v` only. A `reactor` may throw to inject failures.
 */
export class FakeClient implements KubeClient {
  readonly actions: FakeAction[] = [];
  /** Called before each action is carried out; throw from it to make the call fail. */
  reactor?: (action: FakeAction) => void;
  /** While true, writes notify no watch: the events are lost, as across a broken connection. */
  dropWatchEvents = false;
  private revision = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Map<string, Set<Watcher>>();
  /** Recent events, replayed to a watch that starts from an older resourceVersion (as the watch cache does). */
  private readonly history: { id: string; line: string; namespace?: string; revision: number }[] = [];

  /** Stores objects directly (no action recorded), giving them uid and resourceVersion. */
  seed(ref: ResourceRef, ...objects: KubeObject[]): void {
    for (const obj of objects) this.store(ref, this.stamp(cloneJson(obj)), 'ADDED');
  }

  /** The actions that wrote (create, update, patch, delete), the usual subject of controller tests. */
  writes(): FakeAction[] {
    return this.actions.filter((a) => a.verb !== 'get' && a.verb !== 'list' && a.verb !== 'watch');
  }

  async get<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string): Promise<T> {
    this.record({ verb: 'get', resource: ref.resource, namespace, name });
    return cloneJson(this.mustFind(ref, namespace, name)) as T;
  }

  async list<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: ListOptions = {}): Promise<ObjectList<T>> {
    this.record({ verb: 'list', resource: ref.resource, namespace: opts.namespace, list: { resourceVersion: opts.resourceVersion, limit: opts.limit } });
    const items = [...this.objects.entries()]
      .filter(([key, obj]) => key.startsWith(`${refId(ref)}|`) && (!opts.namespace || obj.metadata.namespace === opts.namespace) && selects(opts.labelSelector, obj))
      .map(([, obj]) => cloneJson(obj) as T);
    const apiVersion = ref.group ? `${ref.group}/${ref.version}` : ref.version;
    return { apiVersion, kind: `${ref.kind ?? 'Object'}List`, metadata: { resourceVersion: String(this.revision) }, items };
  }

  async create<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T, opts: WriteOptions & { namespace?: string } = {}): Promise<T> {
    const copy = cloneJson(obj);
    if (ref.namespaced) copy.metadata.namespace = copy.metadata.namespace ?? opts.namespace;
    if (!copy.metadata.name && copy.metadata.generateName) copy.metadata.name = copy.metadata.generateName + randomUUID().slice(0, 5);
    this.record({ verb: 'create', resource: ref.resource, namespace: copy.metadata.namespace, name: copy.metadata.name, object: copy });
    if (this.objects.has(this.key(ref, copy.metadata.namespace, copy.metadata.name!))) throw alreadyExists(ref.resource, ref.group, copy.metadata.name!);
    return cloneJson(this.store(ref, this.stamp(copy), 'ADDED')) as T;
  }

  async update<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T): Promise<T> {
    return this.replace(ref, obj, undefined);
  }

  async updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, obj: T): Promise<T> {
    return this.replace(ref, obj, 'status');
  }

  async patch<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace: string | undefined, name: string, patch: unknown, opts: PatchOptions): Promise<T> {
    this.record({ verb: 'patch', resource: ref.resource, subresource: opts.subresource, namespace, name, patch });
    const current = this.mustFind(ref, namespace, name);
    const patched = (opts.type === 'json' ? applyJsonPatch(current, patch) : applyMergePatch(current, patch)) as KubeObject;
    patched.metadata.resourceVersion = String(++this.revision);
    return cloneJson(this.store(ref, patched, 'MODIFIED')) as T;
  }

  async delete(ref: ResourceRef, namespace: string | undefined, name: string, opts: DeleteOptions = {}): Promise<KubeObject | Status> {
    this.record({ verb: 'delete', resource: ref.resource, namespace, name });
    const current = this.mustFind(ref, namespace, name);
    if (opts.preconditions?.uid && opts.preconditions.uid !== current.metadata.uid) throw conflict(ref.resource, ref.group, name, 'Precondition failed: UID in precondition does not match');
    this.objects.delete(this.key(ref, namespace, name));
    const gone = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.revision) } };
    this.notify(ref, 'DELETED', gone);
    return cloneJson(gone);
  }

  async watch<T extends KubeObject = KubeObject>(ref: ResourceRef, opts: WatchOptions = {}): Promise<WatchStream<T>> {
    this.record({ verb: 'watch', resource: ref.resource, namespace: opts.namespace });
    const stream = new PassThrough();
    const watcher: Watcher = { id: randomUUID(), namespace: opts.namespace, stream };
    const set = this.watchers.get(refId(ref)) ?? new Set();
    this.watchers.set(refId(ref), set);
    set.add(watcher);
    if (opts.sendInitialEvents) {
      // A watch-list: the current objects as ADDED, the bookmark that ends them, then live events.
      for (const [key, obj] of this.objects) {
        if (key.startsWith(`${refId(ref)}|`) && (!opts.namespace || obj.metadata.namespace === opts.namespace) && selects(opts.labelSelector, obj)) stream.write(`${JSON.stringify({ type: 'ADDED', object: obj })}\n`);
      }
      const metadata = { resourceVersion: String(this.revision), annotations: { 'k8s.io/initial-events-end': 'true' } };
      if (opts.allowWatchBookmarks) stream.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: ref.kind, apiVersion: ref.group ? `${ref.group}/${ref.version}` : ref.version, metadata } })}\n`);
    } else {
      const from = Number(opts.resourceVersion || Infinity);
      for (const event of this.history) {
        if (event.id === refId(ref) && event.revision > from && (!opts.namespace || opts.namespace === event.namespace)) stream.write(event.line);
      }
    }
    return new WatchStream<T>(stream, () => {
      set.delete(watcher);
      stream.end();
    });
  }

  /** Ends every open watch, as a server closing its watches (clients then re-watch). */
  closeWatches(): void {
    for (const set of this.watchers.values()) for (const w of set) w.stream.end();
  }

  private async replace<T extends KubeObject>(ref: ResourceRef, obj: T, subresource: string | undefined): Promise<T> {
    const { namespace, name } = obj.metadata;
    this.record({ verb: 'update', resource: ref.resource, subresource, namespace, name, object: cloneJson(obj) });
    const current = this.mustFind(ref, namespace, name!);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw conflict(ref.resource, ref.group, name!, STALE_OBJECT_MESSAGE);
    const next = cloneJson(obj) as KubeObject;
    next.metadata = { ...next.metadata, uid: current.metadata.uid, creationTimestamp: current.metadata.creationTimestamp, resourceVersion: String(++this.revision) };
    return cloneJson(this.store(ref, next, 'MODIFIED')) as T;
  }

  private record(action: FakeAction): void {
    this.actions.push(action);
    this.reactor?.(action);
  }

  private key(ref: ResourceRef, namespace: string | undefined, name: string): string {
    return `${refId(ref)}|${ref.namespaced ? (namespace ?? '') : ''}/${name}`;
  }

  private mustFind(ref: ResourceRef, namespace: string | undefined, name: string): KubeObject {
    const obj = this.objects.get(this.key(ref, namespace, name));
    if (!obj) throw notFound(ref.resource, ref.group, name);
    return obj;
  }

  private stamp(obj: KubeObject): KubeObject {
    obj.metadata.uid = obj.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp = obj.metadata.creationTimestamp ?? nowTimestamp();
    obj.metadata.resourceVersion = String(++this.revision);
    return obj;
  }

  private store(ref: ResourceRef, obj: KubeObject, type: 'ADDED' | 'MODIFIED'): KubeObject {
    this.objects.set(this.key(ref, obj.metadata.namespace, obj.metadata.name!), obj);
    this.notify(ref, type, obj);
    return obj;
  }

  private notify(ref: ResourceRef, type: string, obj: KubeObject): void {
    if (this.dropWatchEvents) return;
    const line = `${JSON.stringify({ type, object: obj })}\n`;
    this.history.push({ id: refId(ref), line, namespace: obj.metadata.namespace, revision: Number(obj.metadata.resourceVersion) });
    if (this.history.length > 1000) this.history.shift();
    for (const w of this.watchers.get(refId(ref)) ?? []) {
      if (!w.namespace || w.namespace === obj.metadata.namespace) w.stream.write(line);
    }
  }
}

/** Equality-only label selector matching (`a=b,c!=d`). */
function selects(selector: string | undefined, obj: KubeObject): boolean {
  if (!selector) return true;
  const labels = obj.metadata.labels ?? {};
  return selector.split(',').every((term) => {
    const negated = term.includes('!=');
    const [k, v] = term.split(/!=|==|=/).map((s) => s.trim());
    return negated ? labels[k] !== v : labels[k] === v;
  });
}
