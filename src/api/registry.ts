/**
 * The resource registry: every built-in resource skiff serves, with the group, version, kind,
 * scope, short names, categories and subresources Kubernetes gives it. Discovery, routing,
 * storage keys, OpenAPI and kubectl's resource mapping all read from this one table.
 */

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One resource as served in one group/version. */
export interface ResourceInfo {
  /** API group; '' for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural, lower-case: the path segment (`pods`). */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: Verb[];
  /** Subresources with their own handlers (`status`, `scale`, `binding`, `eviction`, `log`, ...). */
  subresources: string[];
  /** Name of the `@kubernetes/client-node` model class (its attribute map is the schema). */
  model: string;
  /**
   * The group/version whose store this resource shares. Resources served in several versions
   * (HPA in autoscaling/v1 and v2) are stored once, under the storage version's key.
   */
  storageVersion: string;
}

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
/** Kubernetes serves nodes, namespaces, PVs etc. with the same verbs; bindings are create-only. */

interface Entry {
  kind: string;
  resource: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  subresources?: string[];
  model: string;
  verbs?: Verb[];
}

function group(name: string, version: string, entries: Entry[], storageVersion = version): ResourceInfo[] {
  return entries.map((e) => ({
    group: name,
    version,
    kind: e.kind,
    resource: e.resource,
    singular: e.kind.toLowerCase(),
    namespaced: e.namespaced,
    shortNames: e.shortNames ?? [],
    categories: e.categories ?? [],
    verbs: e.verbs ?? ALL_VERBS,
    subresources: e.subresources ?? [],
    model: e.model,
    storageVersion,
  }));
}

const hpa = (model: string): Entry => ({ kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', namespaced: true, shortNames: ['hpa'], categories: ['all'], subresources: ['status'], model });

/** Every resource served, in discovery order. */
export const RESOURCES: readonly ResourceInfo[] = [
  ...group('', 'v1', [
    { kind: 'Binding', resource: 'bindings', namespaced: true, model: 'V1Binding', verbs: ['create'] },
    { kind: 'ConfigMap', resource: 'configmaps', namespaced: true, shortNames: ['cm'], model: 'V1ConfigMap' },
    { kind: 'Endpoints', resource: 'endpoints', namespaced: true, shortNames: ['ep'], model: 'V1Endpoints' },
    { kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'], model: 'CoreV1Event' },
    { kind: 'LimitRange', resource: 'limitranges', namespaced: true, shortNames: ['limits'], model: 'V1LimitRange' },
    { kind: 'Namespace', resource: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status', 'finalize'], model: 'V1Namespace', verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
    { kind: 'Node', resource: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'], model: 'V1Node' },
    { kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', namespaced: true, shortNames: ['pvc'], subresources: ['status'], model: 'V1PersistentVolumeClaim' },
    { kind: 'PersistentVolume', resource: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: ['status'], model: 'V1PersistentVolume' },
    { kind: 'Pod', resource: 'pods', namespaced: true, shortNames: ['po'], categories: ['all'], subresources: ['status', 'binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy', 'ephemeralcontainers'], model: 'V1Pod' },
    { kind: 'ReplicationController', resource: 'replicationcontrollers', namespaced: true, shortNames: ['rc'], categories: ['all'], subresources: ['status', 'scale'], model: 'V1ReplicationController' },
    { kind: 'ResourceQuota', resource: 'resourcequotas', namespaced: true, shortNames: ['quota'], subresources: ['status'], model: 'V1ResourceQuota' },
    { kind: 'Secret', resource: 'secrets', namespaced: true, model: 'V1Secret' },
    { kind: 'ServiceAccount', resource: 'serviceaccounts', namespaced: true, shortNames: ['sa'], subresources: ['token'], model: 'V1ServiceAccount' },
    { kind: 'Service', resource: 'services', namespaced: true, shortNames: ['svc'], categories: ['all'], subresources: ['status', 'proxy'], model: 'V1Service' },
  ]),
  ...group('apps', 'v1', [
    { kind: 'ControllerRevision', resource: 'controllerrevisions', namespaced: true, model: 'V1ControllerRevision' },
    { kind: 'DaemonSet', resource: 'daemonsets', namespaced: true, shortNames: ['ds'], categories: ['all'], subresources: ['status'], model: 'V1DaemonSet' },
    { kind: 'Deployment', resource: 'deployments', namespaced: true, shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'], model: 'V1Deployment' },
    { kind: 'ReplicaSet', resource: 'replicasets', namespaced: true, shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'], model: 'V1ReplicaSet' },
    { kind: 'StatefulSet', resource: 'statefulsets', namespaced: true, shortNames: ['sts'], categories: ['all'], subresources: ['status', 'scale'], model: 'V1StatefulSet' },
  ]),
  ...group('autoscaling', 'v2', [hpa('V2HorizontalPodAutoscaler')]),
  ...group('autoscaling', 'v1', [hpa('V1HorizontalPodAutoscaler')], 'v2'),
  ...group('batch', 'v1', [
    { kind: 'CronJob', resource: 'cronjobs', namespaced: true, shortNames: ['cj'], categories: ['all'], subresources: ['status'], model: 'V1CronJob' },
    { kind: 'Job', resource: 'jobs', namespaced: true, categories: ['all'], subresources: ['status'], model: 'V1Job' },
  ]),
  ...group('networking.k8s.io', 'v1', [
    { kind: 'IngressClass', resource: 'ingressclasses', namespaced: false, model: 'V1IngressClass' },
    { kind: 'Ingress', resource: 'ingresses', namespaced: true, shortNames: ['ing'], subresources: ['status'], model: 'V1Ingress' },
    { kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true, shortNames: ['netpol'], model: 'V1NetworkPolicy' },
  ]),
  ...group('discovery.k8s.io', 'v1', [
    { kind: 'EndpointSlice', resource: 'endpointslices', namespaced: true, model: 'V1EndpointSlice' },
  ]),
  ...group('policy', 'v1', [
    { kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', namespaced: true, shortNames: ['pdb'], subresources: ['status'], model: 'V1PodDisruptionBudget' },
  ]),
  ...group('coordination.k8s.io', 'v1', [
    { kind: 'Lease', resource: 'leases', namespaced: true, model: 'V1Lease' },
  ]),
  ...group('scheduling.k8s.io', 'v1', [
    { kind: 'PriorityClass', resource: 'priorityclasses', namespaced: false, shortNames: ['pc'], model: 'V1PriorityClass' },
  ]),
  ...group('storage.k8s.io', 'v1', [
    { kind: 'StorageClass', resource: 'storageclasses', namespaced: false, shortNames: ['sc'], model: 'V1StorageClass' },
  ]),
  ...group('events.k8s.io', 'v1', [
    { kind: 'Event', resource: 'events', namespaced: true, shortNames: ['ev'], model: 'EventsV1Event' },
  ]),
  ...group('rbac.authorization.k8s.io', 'v1', [
    { kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false, model: 'V1ClusterRoleBinding' },
    { kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, model: 'V1ClusterRole' },
    { kind: 'RoleBinding', resource: 'rolebindings', namespaced: true, model: 'V1RoleBinding' },
    { kind: 'Role', resource: 'roles', namespaced: true, model: 'V1Role' },
  ]),
  ...group('apiextensions.k8s.io', 'v1', [
    { kind: 'CustomResourceDefinition', resource: 'customresourcedefinitions', namespaced: false, shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'], model: 'V1CustomResourceDefinition' },
  ]),
];

/** `apps/v1`, or `v1` for the core group. */
export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** The apiVersion string of a resource (`apps/v1`). */
export function apiVersionOf(info: ResourceInfo): string {
  return groupVersion(info.group, info.version);
}

/** Splits an apiVersion into group and version (`v1` -> core group). */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const byPath = new Map<string, ResourceInfo>();
const byKind = new Map<string, ResourceInfo>();
for (const info of RESOURCES) {
  byPath.set(`${info.group}/${info.version}/${info.resource}`, info);
  byKind.set(`${info.group}/${info.version}/${info.kind}`, info);
}

/** The resource served at `/apis/GROUP/VERSION/RESOURCE` (or `/api/v1/RESOURCE` with group ''). */
export function findResource(group: string, version: string, resource: string): ResourceInfo | undefined {
  return byPath.get(`${group}/${version}/${resource}`);
}

/** The resource for a kind in a group/version. */
export function findKind(group: string, version: string, kind: string): ResourceInfo | undefined {
  return byKind.get(`${group}/${version}/${kind}`);
}

/** Every served group with its versions, preferred version first (as `/apis` lists them). */
export function servedGroups(): { group: string; versions: string[] }[] {
  const groups = new Map<string, string[]>();
  for (const info of RESOURCES) {
    const versions = groups.get(info.group) ?? [];
    if (!versions.includes(info.version)) versions.push(info.version);
    groups.set(info.group, versions);
  }
  return [...groups].map(([group, versions]) => ({ group, versions }));
}

/**
 * Storage key prefix of a resource: `/registry/<group>/<resource>/`; the core group is spelled
 * `core` so that keys have a fixed depth. Namespaced objects add `<namespace>/`, then the name.
 */
export function storagePrefix(info: Pick<ResourceInfo, 'group' | 'resource'>): string {
  return `/registry/${info.group || 'core'}/${info.resource}/`;
}

/** The storage key of one object. */
export function storageKey(info: Pick<ResourceInfo, 'group' | 'resource' | 'namespaced'>, namespace: string | undefined, name: string): string {
  return info.namespaced ? `${storagePrefix(info)}${namespace}/${name}` : `${storagePrefix(info)}${name}`;
}
