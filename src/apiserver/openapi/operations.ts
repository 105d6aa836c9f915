/**
 * The REST operations of one group/version, as Kubernetes publishes them in OpenAPI: every path
 * of every served resource and subresource with its operations, named and tagged the way the
 * API server names them (`readCoreV1NamespacedPod`, `x-kubernetes-action: get`, tag `core_v1`).
 * The v2 and v3 renderers turn this neutral form into their documents.
 */
import { definitionName } from '../../api/schema.ts';
import { RESOURCES, type ResourceInfo } from '../../api/registry.ts';
import { CONNECT_PARAMS, DELETE_COLLECTION_PARAMS, DELETE_PARAMS, LIST_PARAMS, LOG_PARAMS, PATCH_PARAMS, WRITE_PARAMS } from './parameters.ts';

/** A group/version/kind as the `x-kubernetes-group-version-kind` extension spells it. */
export interface GroupVersionKind {
  group: string;
  kind: string;
  version: string;
}

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'options' | 'head' | 'patch';

/** What a response or request body carries. */
export type Payload = { definition: string } | { string: true };

/** How a response is encoded: plain objects, list/watch streams, or opaque streams. */
export type ResponseStyle = 'object' | 'stream' | 'text' | 'any';

/** One operation of one path. */
export interface OperationSpec {
  method: HttpMethod;
  operationId: string;
  /** `x-kubernetes-action`: get, list, watch, watchlist, post, put, patch, delete, deletecollection, connect. */
  action: string;
  gvk?: GroupVersionKind;
  /** Query parameters of the operation itself. */
  params: string[];
  body?: Payload;
  /** Patch bodies come in the four patch media types. */
  patchBody?: boolean;
  responses: Record<string, Payload>;
  style: ResponseStyle;
  tag: string;
}

/** One path with its path-level parameters and operations. */
export interface PathSpec {
  path: string;
  /** Path parameters (in path order) and path-level query parameters. */
  pathParams: string[];
  queryParams: string[];
  operations: OperationSpec[];
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
/** Definitions every group/version document uses. */
export const STATUS = `${META}.Status`;
export const DELETE_OPTIONS = `${META}.DeleteOptions`;
export const WATCH_EVENT = `${META}.WatchEvent`;
export const PATCH = `${META}.Patch`;
export const API_RESOURCE_LIST = `${META}.APIResourceList`;

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

/** The group's part of operation ids: `Core`, `Apps`, `RbacAuthorization` (`.k8s.io` dropped). */
export function groupId(group: string): string {
  return group ? group.replace(/\.k8s\.io$/, '').split('.').map(cap).join('') : 'Core';
}

/** The operation tag of a group/version: `core_v1`, `rbacAuthorization_v1`. */
export function tagOf(group: string, version: string): string {
  const id = groupId(group);
  return `${id.charAt(0).toLowerCase()}${id.slice(1)}_${version}`;
}

/** The URL root of a group/version: `/api/v1` or `/apis/apps/v1`. */
export function rootOf(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

/** Subresources served with their own kind, and the definition their bodies use. */
const SUBRESOURCE_KINDS: Record<string, { gvk: GroupVersionKind; definition?: string }> = {
  scale: { gvk: { group: 'autoscaling', kind: 'Scale', version: 'v1' }, definition: 'io.k8s.api.autoscaling.v1.Scale' },
  binding: { gvk: { group: '', kind: 'Binding', version: 'v1' }, definition: 'io.k8s.api.core.v1.Binding' },
  eviction: { gvk: { group: 'policy', kind: 'Eviction', version: 'v1' }, definition: 'io.k8s.api.policy.v1.Eviction' },
  token: { gvk: { group: 'authentication.k8s.io', kind: 'TokenRequest', version: 'v1' }, definition: 'io.k8s.api.authentication.v1.TokenRequest' },
};

/** Resources whose delete returns the deleted object rather than a Status (graceful deletion). */
const DELETE_RETURNS_OBJECT = new Set(['pods', 'services']);

/** Builds the paths of one resource: collection, item, all-namespaces, watch and subresources. */
class ResourcePaths {
  readonly paths: PathSpec[] = [];
  private readonly prefix: string;
  private readonly gvk: GroupVersionKind;
  private readonly definition: string;
  private readonly tag: string;
  private readonly scope: string;

  constructor(private readonly info: ResourceInfo) {
    this.prefix = `${groupId(info.group)}${cap(info.version)}`;
    this.gvk = { group: info.group, kind: info.kind, version: info.version };
    this.definition = definitionName(info.model) ?? info.kind;
    this.tag = tagOf(info.group, info.version);
    this.scope = info.namespaced ? 'Namespaced' : '';
  }

  private id(verb: string, middle: string, suffix = ''): string {
    return `${verb}${this.prefix}${middle}${suffix}`;
  }

  private op(method: HttpMethod, operationId: string, action: string, rest: Partial<OperationSpec>): OperationSpec {
    return { method, operationId, action, gvk: this.gvk, params: [], responses: {}, style: 'object', tag: this.tag, ...rest };
  }

  private add(path: string, pathParams: string[], queryParams: string[], operations: OperationSpec[]): void {
    if (operations.length) this.paths.push({ path, pathParams, queryParams, operations });
  }

  build(): PathSpec[] {
    const { info } = this;
    const root = rootOf(info.group, info.version);
    const ns = info.namespaced ? 'namespaces/{namespace}/' : '';
    const nsParams = info.namespaced ? ['namespace'] : [];
    const has = (verb: string): boolean => (info.verbs as string[]).includes(verb);
    const self = { definition: this.definition };
    const list = { definition: `${this.definition}List` };
    const { kind } = info;
    const scoped = `${this.scope}${kind}`;

    const collection: OperationSpec[] = [];
    if (has('deletecollection')) collection.push(this.op('delete', this.id('delete', 'Collection', scoped), 'deletecollection', { params: DELETE_COLLECTION_PARAMS, body: { definition: DELETE_OPTIONS }, responses: { 200: { definition: STATUS } } }));
    if (has('list')) collection.push(this.op('get', this.id('list', scoped), 'list', { params: LIST_PARAMS, responses: { 200: list }, style: 'stream' }));
    if (has('create')) collection.push(this.op('post', this.id('create', scoped), 'post', { params: WRITE_PARAMS, body: self, responses: { 200: self, 201: self, 202: self } }));
    this.add(`${root}/${ns}${info.resource}`, nsParams, ['pretty'], collection);

    const item: OperationSpec[] = [];
    const deleted = DELETE_RETURNS_OBJECT.has(info.resource) ? self : { definition: STATUS };
    if (has('delete')) item.push(this.op('delete', this.id('delete', scoped), 'delete', { params: DELETE_PARAMS, body: { definition: DELETE_OPTIONS }, responses: { 200: deleted, 202: deleted } }));
    if (has('get')) item.push(this.op('get', this.id('read', scoped), 'get', { responses: { 200: self } }));
    if (has('patch')) item.push(this.op('patch', this.id('patch', scoped), 'patch', { params: PATCH_PARAMS, body: { definition: PATCH }, patchBody: true, responses: { 200: self, 201: self } }));
    if (has('update')) item.push(this.op('put', this.id('replace', scoped), 'put', { params: WRITE_PARAMS, body: self, responses: { 200: self, 201: self } }));
    this.add(`${root}/${ns}${info.resource}/{name}`, ['name', ...nsParams], ['pretty'], item);

    if (info.namespaced && has('list')) {
      this.add(`${root}/${info.resource}`, [], [...LIST_PARAMS, 'pretty'].sort(), [this.op('get', this.id('list', kind, 'ForAllNamespaces'), 'list', { responses: { 200: list }, style: 'stream' })]);
    }
    if (has('watch')) this.watchPaths(root, ns, nsParams);
    for (const sub of info.subresources) this.subresource(root, ns, nsParams, sub);
    return this.paths;
  }

  private watchPaths(root: string, ns: string, nsParams: string[]): void {
    const { info } = this;
    const event = { 200: { definition: WATCH_EVENT } };
    const params = [...LIST_PARAMS, 'pretty'].sort();
    const scoped = `${this.scope}${info.kind}`;
    this.add(`${root}/watch/${ns}${info.resource}`, nsParams, params, [this.op('get', this.id('watch', scoped, 'List'), 'watchlist', { responses: event, style: 'stream' })]);
    this.add(`${root}/watch/${ns}${info.resource}/{name}`, ['name', ...nsParams], params, [this.op('get', this.id('watch', scoped), 'watch', { responses: event, style: 'stream' })]);
    if (info.namespaced) {
      this.add(`${root}/watch/${info.resource}`, [], params, [this.op('get', this.id('watch', info.kind, 'ListForAllNamespaces'), 'watchlist', { responses: event, style: 'stream' })]);
    }
  }

  private subresource(root: string, ns: string, nsParams: string[], sub: string): void {
    const path = `${root}/${ns}${this.info.resource}/{name}/${sub}`;
    const params = ['name', ...nsParams];
    const scoped = `${this.scope}${this.info.kind}`;
    const suffix = cap(sub);
    const special = SUBRESOURCE_KINDS[sub];
    const gvk = special?.gvk ?? this.gvk;
    const body = { definition: special?.definition ?? this.definition };
    if (sub === 'binding' || sub === 'eviction' || sub === 'token') {
      this.add(path, params, ['pretty'], [this.op('post', this.id('create', scoped, suffix), 'post', { gvk, params: WRITE_PARAMS, body, responses: { 200: body, 201: body, 202: body } })]);
    } else if (sub === 'finalize') {
      this.add(path, params, ['pretty'], [this.op('put', this.id('replace', scoped, suffix), 'put', { params: WRITE_PARAMS, body, responses: { 200: body, 201: body } })]);
    } else if (sub === 'log') {
      this.add(path, params, ['pretty'], [this.op('get', this.id('read', scoped, suffix), 'get', { params: LOG_PARAMS, responses: { 200: { string: true } }, style: 'text' })]);
    } else if (CONNECT_PARAMS[sub]) {
      this.connect(path, params, scoped, sub);
    } else {
      // status, scale, ephemeralcontainers: get, patch and replace of a view of the object.
      this.add(path, params, ['pretty'], [
        this.op('get', this.id('read', scoped, suffix), 'get', { gvk, responses: { 200: body } }),
        this.op('patch', this.id('patch', scoped, suffix), 'patch', { gvk, params: PATCH_PARAMS, body: { definition: PATCH }, patchBody: true, responses: { 200: body, 201: body } }),
        this.op('put', this.id('replace', scoped, suffix), 'put', { gvk, params: WRITE_PARAMS, body, responses: { 200: body, 201: body } }),
      ]);
    }
  }

  /** exec, attach, portforward and proxy: `connect` operations of an options kind. */
  private connect(path: string, params: string[], scoped: string, sub: string): void {
    const options = { exec: 'ExecOptions', attach: 'AttachOptions', portforward: 'PortForwardOptions', proxy: 'ProxyOptions' }[sub]!;
    const gvk = { group: '', kind: `${this.info.kind}${options}`, version: 'v1' };
    const methods: HttpMethod[] = sub === 'proxy' ? ['delete', 'get', 'head', 'options', 'patch', 'post', 'put'] : ['get', 'post'];
    const ops = (withPath: boolean): OperationSpec[] =>
      methods.map((m) => this.op(m, this.id('connect', cap(m) + scoped, cap(sub) + (withPath ? 'WithPath' : '')), 'connect', { gvk, params: withPath ? [] : CONNECT_PARAMS[sub], responses: { 200: { string: true } }, style: 'any' }));
    this.add(path, params, [], ops(false));
    if (sub === 'proxy') this.add(`${path}/{path}`, [...params, 'path'], ['path'], ops(true));
  }
}

/** Every path of one group/version, sorted by path, including the resource list at its root. */
export function groupVersionPaths(group: string, version: string): PathSpec[] {
  const paths: PathSpec[] = [];
  const root = rootOf(group, version);
  const tag = tagOf(group, version);
  paths.push({
    path: `${root}/`,
    pathParams: [],
    queryParams: [],
    operations: [{ method: 'get', operationId: `get${groupId(group)}${cap(version)}APIResources`, action: '', params: [], responses: { 200: { definition: API_RESOURCE_LIST } }, style: 'object', tag }],
  });
  for (const info of RESOURCES) {
    if (info.group === group && info.version === version) paths.push(...new ResourcePaths(info).build());
  }
  return paths.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Every served group/version as its OpenAPI v3 path key: `api/v1`, `apis/apps/v1`. */
export function groupVersionKeys(): { key: string; group: string; version: string }[] {
  const seen = new Map<string, { key: string; group: string; version: string }>();
  for (const { group, version } of RESOURCES) {
    const key = group ? `apis/${group}/${version}` : `api/${version}`;
    if (!seen.has(key)) seen.set(key, { key, group, version });
  }
  return [...seen.values()];
}
