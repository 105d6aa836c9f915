import { RESOURCES, groupVersion, servedGroups, type ResourceInfo } from '../api/registry.ts';

/**
 * Discovery documents, built once from the registry: the legacy documents (`/api`, `/apis`,
 * `/apis/GROUP`, `/api/v1`, `/apis/GROUP/VERSION`) and aggregated discovery
 * (`apidiscovery.k8s.io/v2`), which kubectl 1.32 asks for first.
 */

/** Verbs Kubernetes lists for subresources that are read and written like the object. */
const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  binding: ['create'],
  eviction: ['create'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  finalize: ['update'],
  token: ['create'],
};

/** Kind of a subresource's body where it differs from the parent's (Scale, Binding, Eviction, ...). */
const SUBRESOURCE_KIND: Record<string, { group?: string; version?: string; kind: string }> = {
  scale: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
  binding: { kind: 'Binding' },
  eviction: { group: 'policy', version: 'v1', kind: 'Eviction' },
  log: { kind: 'Pod' },
  exec: { kind: 'PodExecOptions' },
  attach: { kind: 'PodAttachOptions' },
  portforward: { kind: 'PodPortForwardOptions' },
  proxy: { kind: 'PodProxyOptions' },
  token: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
};

/**
 * A group served by the API server that is not backed by stored resources (metrics.k8s.io, which
 * Kubernetes serves through an aggregated APIService); it is listed in discovery like the others.
 */
export interface ExtraGroup {
  group: string;
  version: string;
  resources: readonly { resource: string; kind: string; namespaced: boolean; verbs: readonly string[] }[];
}

function resourcesIn(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(group: string, versions: string[]): object {
  const list = versions.map((version) => ({ groupVersion: groupVersion(group, version), version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

function allGroups(extra: readonly ExtraGroup[]): { group: string; versions: string[] }[] {
  return [...servedGroups(), ...extra.map((g) => ({ group: g.group, versions: [g.version] }))];
}

/** `/apis`: every named group. */
export function apiGroupList(extra: readonly ExtraGroup[] = []): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: allGroups(extra)
      .filter((g) => g.group !== '')
      .map((g) => apiGroup(g.group, g.versions)),
  };
}

/** `/apis/GROUP`, or undefined for an unknown group. */
export function apiGroupDocument(group: string, extra: readonly ExtraGroup[] = []): object | undefined {
  const found = allGroups(extra).find((g) => g.group === group && group !== '');
  return found ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.group, found.versions) } : undefined;
}

/** The resource list of an extra group, as its own server (metrics-server) publishes it. */
function extraResourceList(g: ExtraGroup): object {
  const resources = g.resources.map((r) => ({ name: r.resource, singularName: '', namespaced: r.namespaced, kind: r.kind, verbs: r.verbs }));
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(g.group, g.version), resources };
}

/** `/api/v1` or `/apis/GROUP/VERSION`: the resources and subresources of one group/version. */
export function apiResourceList(group: string, version: string, extra: readonly ExtraGroup[] = []): object | undefined {
  const other = extra.find((g) => g.group === group && g.version === version);
  if (other) return extraResourceList(other);
  const infos = resourcesIn(group, version);
  if (infos.length === 0) return undefined;
  const resources: object[] = [];
  for (const info of infos) {
    resources.push({
      name: info.resource,
      singularName: info.singular,
      namespaced: info.namespaced,
      kind: info.kind,
      verbs: info.verbs,
      ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
      ...(info.categories.length ? { categories: info.categories } : {}),
      storageVersionHash: storageVersionHash(info),
    });
    for (const sub of info.subresources) {
      const kind = SUBRESOURCE_KIND[sub];
      resources.push({
        name: `${info.resource}/${sub}`,
        singularName: '',
        namespaced: info.namespaced,
        ...(kind?.group !== undefined ? { group: kind.group, version: kind.version } : {}),
        kind: kind?.kind ?? info.kind,
        verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

/** A stable short hash per group/version/kind, as Kubernetes publishes for storage migration tools. */
function storageVersionHash(info: ResourceInfo): string {
  let h = 2166136261;
  for (const ch of `${info.group}/${info.storageVersion}/${info.kind}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return Buffer.from(Uint32Array.of(h >>> 0, Math.imul(h, 31) >>> 0).buffer).toString('base64').slice(0, 11);
}

function discoveryVersion(group: string, version: string): { version: string; resources: object[]; freshness: string } {
  const resources = resourcesIn(group, version).map((info) => ({
    resource: info.resource,
    responseKind: { group, version, kind: info.kind },
    scope: info.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: info.singular,
    verbs: info.verbs,
    ...(info.shortNames.length ? { shortNames: info.shortNames } : {}),
    ...(info.categories.length ? { categories: info.categories } : {}),
    ...(info.subresources.length
      ? {
          subresources: info.subresources.map((sub) => {
            const kind = SUBRESOURCE_KIND[sub];
            return {
              subresource: sub,
              responseKind: { group: kind?.group ?? group, version: kind?.version ?? version, kind: kind?.kind ?? info.kind },
              verbs: SUBRESOURCE_VERBS[sub] ?? ['get'],
            };
          }),
        }
      : {}),
  }));
  return { version, resources, freshness: 'Current' };
}

/**
 * Aggregated discovery (`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`):
 * for `/api` the core group only, for `/apis` every named group.
 */
export function aggregatedDiscovery(legacy: boolean, extra: readonly ExtraGroup[] = []): object {
  const groups = servedGroups().filter((g) => (legacy ? g.group === '' : g.group !== ''));
  const items = groups.map((g) => ({
    metadata: { name: g.group, creationTimestamp: null },
    versions: g.versions.map((v) => discoveryVersion(g.group, v)),
  }));
  if (!legacy) for (const g of extra) items.push({ metadata: { name: g.group, creationTimestamp: null }, versions: [extraDiscoveryVersion(g)] });
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

function extraDiscoveryVersion(g: ExtraGroup): ReturnType<typeof discoveryVersion> {
  const resources = g.resources.map((r) => ({
    resource: r.resource,
    responseKind: { group: g.group, version: g.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: '',
    verbs: [...r.verbs],
  }));
  return { version: g.version, resources, freshness: 'Current' };
}

/** The Content-Type of aggregated discovery responses. */
export const AGGREGATED_DISCOVERY_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the Accept header asks for aggregated discovery v2. */
export function wantsAggregated(accept: string | undefined): boolean {
  return Boolean(accept && accept.includes('as=APIGroupDiscoveryList') && accept.includes('v=v2'));
}
