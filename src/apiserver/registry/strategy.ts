import { jsonEqual, type KubeObject } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/registry.ts';

/**
 * Per-resource hooks on top of the generic store, the role of a Kubernetes registry "strategy":
 * what a create resets, whether the resource has a generation, what a status write may change.
 */
export interface Strategy {
  /** Whether metadata.generation is kept (set to 1 on create, bumped when anything but metadata/status changes). */
  hasGeneration: boolean;
  /** Whether `status` is written only through the status subresource (main writes keep the old status). */
  hasStatusSubresource: boolean;
  /** Adjusts a new object before defaulting and validation (e.g. reset status). May be async (allocations). */
  prepareForCreate?(object: KubeObject): void | Promise<void>;
  /** Adjusts an updated object from its old state before validation. */
  prepareForUpdate?(object: KubeObject, old: KubeObject): void | Promise<void>;
  /** Releases what prepareForCreate allocated when the object goes away or the create fails. */
  release?(object: KubeObject): void;
  /**
   * Whether the hooks read other objects from the watch cache (allocations), so a write must see
   * everything the store holds: its cache is synced with the store first (writes otherwise start
   * from the cache as it is; see LAZY_SYNC in resource-store.ts).
   */
  readsCache?: boolean;
}

/** Resources whose objects carry metadata.generation in Kubernetes. */
const GENERATION_GROUPS = new Set(['apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'apiextensions.k8s.io', 'scheduling.k8s.io']);
const CORE_WITH_GENERATION = new Set(['replicationcontrollers', 'persistentvolumes', 'persistentvolumeclaims']);

const strategies = new Map<string, Partial<Strategy>>();

/** Registers hooks for `group/resource` (used by service allocation, pods, namespaces). */
export function registerStrategy(group: string, resource: string, hooks: Partial<Strategy>): void {
  strategies.set(`${group}/${resource}`, { ...strategies.get(`${group}/${resource}`), ...hooks });
}

/** The strategy of a resource: the generic defaults merged with any registered hooks. */
export function strategyFor(info: ResourceInfo): Strategy {
  const hasGeneration = info.group === '' ? CORE_WITH_GENERATION.has(info.resource) : GENERATION_GROUPS.has(info.group) && info.resource !== 'priorityclasses';
  const base: Strategy = {
    hasGeneration,
    hasStatusSubresource: info.subresources.includes('status'),
    // Nodes are the exception: kubelets register with their status in the create (Kubernetes' node strategy keeps it).
    prepareForCreate: info.subresources.includes('status') && !(info.group === '' && info.resource === 'nodes') ? resetStatus : undefined,
  };
  return { ...base, ...strategies.get(`${info.group}/${info.resource}`) };
}

/** Kubernetes strategies drop a client-supplied status on create for resources with a status subresource. */
function resetStatus(object: KubeObject): void {
  delete object.status;
}

/** Whether anything but metadata and status changed: such a change bumps metadata.generation. */
export function specChanged(object: KubeObject, old: KubeObject): boolean {
  const strip = ({ metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest }: KubeObject) => rest;
  return !jsonEqual(strip(object), strip(old));
}
