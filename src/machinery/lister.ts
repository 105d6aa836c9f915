import type { KubeObject } from '../api/object.ts';
import type { Indexer } from './indexer.ts';
import { NAMESPACE_INDEX } from './indexer.ts';

/**
 * Which objects a lister returns by labels: a predicate over the labels (for example built from a
 * workload's `spec.selector` with src/api/selectors), or a map every pair of which must match
 * (an equality-only selector, like `matchLabels`). An empty map matches everything, as in Kubernetes.
 */
export type LabelMatch = Record<string, string> | ((labels: Record<string, string>) => boolean);

/** Whether an object's labels satisfy a LabelMatch. */
export function labelsMatch(match: LabelMatch | undefined, labels: Record<string, string> | undefined): boolean {
  if (!match) return true;
  const have = labels ?? {};
  if (typeof match === 'function') return match(have);
  return Object.entries(match).every(([k, v]) => have[k] === v);
}

/**
 * A read-only view of an informer's cache (client-go's generated listers). Objects are the
 * cached, frozen ones: copy (`cloneJson`) before changing anything and write through the client.
 */
export class Lister<T extends KubeObject = KubeObject> {
  constructor(private readonly indexer: Indexer<T>) {}

  /** The object `namespace/name` (namespace '' or undefined for cluster-scoped), or undefined. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.indexer.getByKey(namespace ? `${namespace}/${name}` : name);
  }

  /** The object under a cache key (`namespace/name` or `name`). */
  getByKey(key: string): T | undefined {
    return this.indexer.getByKey(key);
  }

  /** Every cached object whose labels match (all when no selector). */
  list(selector?: LabelMatch): T[] {
    return this.indexer.list().filter((obj) => labelsMatch(selector, obj.metadata?.labels));
  }

  /** The objects under one value of a named index. */
  byIndex(indexName: string, value: string): T[] {
    return this.indexer.byIndex(indexName, value);
  }

  /** The objects of one namespace (client-go's `Pods(ns)`). */
  namespace(namespace: string): NamespaceLister<T> {
    return new NamespaceLister(this.indexer, namespace);
  }
}

/** A lister restricted to one namespace, served from the namespace index. */
export class NamespaceLister<T extends KubeObject = KubeObject> {
  constructor(
    private readonly indexer: Indexer<T>,
    readonly namespace: string,
  ) {}

  get(name: string): T | undefined {
    return this.indexer.getByKey(`${this.namespace}/${name}`);
  }

  list(selector?: LabelMatch): T[] {
    return this.indexer.byIndex(NAMESPACE_INDEX, this.namespace).filter((obj) => labelsMatch(selector, obj.metadata?.labels));
  }
}
