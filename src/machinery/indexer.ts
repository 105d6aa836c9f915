import type { KubeObject } from '../api/object.ts';

/** Computes the index values of an object (an object may sit under several values, or none). */
export type IndexFunc<T extends KubeObject = KubeObject> = (obj: T) => string[];

/** The namespace index every informer cache has (client-go's cache.NamespaceIndex). */
export const NAMESPACE_INDEX = 'namespace';

/** Indexes objects by `metadata.namespace` (cluster-scoped objects under ''). */
export const byNamespace: IndexFunc = (obj) => [obj.metadata?.namespace ?? ''];

/**
 * The cache key of an object: `namespace/name`, or `name` for cluster-scoped objects
 * (client-go's MetaNamespaceKeyFunc). Work queues carry these keys.
 */
export function objectKey(obj: Pick<KubeObject, 'metadata'>): string {
  const { namespace, name } = obj.metadata ?? {};
  return namespace ? `${namespace}/${name ?? ''}` : (name ?? '');
}

/** Splits a cache key into namespace ('' when cluster-scoped) and name (client-go's SplitMetaNamespaceKey). */
export function splitKey(key: string): { namespace: string; name: string } {
  const slash = key.indexOf('/');
  return slash < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * A thread-safe-store equivalent for one resource: objects by key, plus named indexes kept in step
 * on every add, update and delete (client-go's cache.Indexer). Stored objects are shared, never
 * copied: callers must not mutate them (informers freeze them).
 */
export class Indexer<T extends KubeObject = KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name -> index value -> keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(indexers: Record<string, IndexFunc<T>> = { [NAMESPACE_INDEX]: byNamespace as IndexFunc<T> }) {
    this.addIndexers(indexers);
  }

  /** Adds indexes; existing objects are indexed at once. An index name may be registered once. */
  addIndexers(indexers: Record<string, IndexFunc<T>>): void {
    for (const [name, fn] of Object.entries(indexers)) {
      if (this.indexers.has(name)) throw new Error(`indexer conflict: ${name}`);
      this.indexers.set(name, fn);
      const index = new Map<string, Set<string>>();
      this.indices.set(name, index);
      for (const [key, obj] of this.items) addToIndex(index, fn(obj), key);
    }
  }

  /** Whether an index of this name is registered. */
  hasIndex(name: string): boolean {
    return this.indexers.has(name);
  }

  /** Inserts or replaces the object under its key; returns the previous one. */
  set(obj: T): T | undefined {
    const key = objectKey(obj);
    const old = this.items.get(key);
    if (old) this.unindex(old, key);
    this.items.set(key, obj);
    for (const [name, fn] of this.indexers) addToIndex(this.indices.get(name)!, fn(obj), key);
    return old;
  }

  /** Removes the object with this key; returns it. */
  deleteKey(key: string): T | undefined {
    const old = this.items.get(key);
    if (!old) return undefined;
    this.unindex(old, key);
    this.items.delete(key);
    return old;
  }

  /** Replaces the whole content (a relist). */
  replace(objects: Iterable<T>): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const obj of objects) this.set(obj);
  }

  getByKey(key: string): T | undefined {
    return this.items.get(key);
  }

  /** Every object, in no particular order. */
  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** Objects whose `indexName` values include `value`. Throws for an unknown index. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexKeys(indexName, value).map((key) => this.items.get(key)!);
  }

  /** Keys of the objects whose `indexName` values include `value`. */
  indexKeys(indexName: string, value: string): string[] {
    const index = this.indices.get(indexName);
    if (!index) throw new Error(`index with name ${indexName} does not exist`);
    return [...(index.get(value) ?? [])];
  }

  /** The values present in an index. */
  listIndexValues(indexName: string): string[] {
    return [...(this.indices.get(indexName)?.keys() ?? [])];
  }

  /** Objects sharing any index value with `obj` (client-go's Index). */
  index(indexName: string, obj: T): T[] {
    const fn = this.indexers.get(indexName);
    if (!fn) throw new Error(`index with name ${indexName} does not exist`);
    const keys = new Set<string>();
    for (const value of fn(obj)) for (const key of this.indices.get(indexName)!.get(value) ?? []) keys.add(key);
    return [...keys].map((key) => this.items.get(key)!);
  }

  private unindex(obj: T, key: string): void {
    for (const [name, fn] of this.indexers) {
      const index = this.indices.get(name)!;
      for (const value of fn(obj)) {
        const keys = index.get(value);
        if (!keys) continue;
        keys.delete(key);
        if (keys.size === 0) index.delete(value);
      }
    }
  }
}

function addToIndex(index: Map<string, Set<string>>, values: string[], key: string): void {
  for (const value of values) {
    let keys = index.get(value);
    if (!keys) index.set(value, (keys = new Set()));
    keys.add(key);
  }
}
