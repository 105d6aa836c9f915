import { findKind, parseApiVersion, type ResourceInfo } from '../api/registry.ts';

/**
 * The least the client needs to address a resource: its group, version, plural name and scope.
 * Every `ResourceInfo` of the registry is one; custom resources can be described by hand.
 * `kind` is optional and only used to fill `kind`/`apiVersion` on objects created without them.
 */
export type ResourceRef = Pick<ResourceInfo, 'group' | 'version' | 'resource' | 'namespaced'> & { kind?: string };

/** Where an object or collection lives: namespace for namespaced resources, name for one object. */
export interface ObjectLocation {
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * The URL path of a resource, a collection in a namespace, one object or one of its subresources,
 * exactly as Kubernetes routes them: `/api/v1/...` for the core group, `/apis/GROUP/VERSION/...`
 * otherwise, with `namespaces/NS/` only for namespaced resources. A namespaced resource without a
 * namespace addresses the collection across all namespaces.
 */
export function resourcePath(ref: ResourceRef, where: ObjectLocation = {}): string {
  const root = ref.group === '' ? `/api/${ref.version}` : `/apis/${ref.group}/${ref.version}`;
  const parts = [root];
  if (ref.namespaced && where.namespace) parts.push('namespaces', encodeURIComponent(where.namespace));
  parts.push(ref.resource);
  if (where.name !== undefined) parts.push(encodeURIComponent(where.name));
  if (where.subresource) parts.push(where.subresource);
  return parts.join('/');
}

/** The registry entry for an apiVersion and kind (`apps/v1`, `Deployment`); throws when skiff does not serve it. */
export function refFor(apiVersion: string, kind: string): ResourceInfo {
  const { group, version } = parseApiVersion(apiVersion);
  const info = findKind(group, version, kind);
  if (!info) throw new Error(`no resource is registered for ${apiVersion} ${kind}`);
  return info;
}

/** A stable identity for a resource (`apps/v1/deployments`), used to share one informer per resource. */
export function refId(ref: ResourceRef): string {
  return `${ref.group}/${ref.version}/${ref.resource}`;
}
