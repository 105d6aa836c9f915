/**
 * The schema definitions of an OpenAPI document: the ones its operations reach, with the
 * `x-kubernetes-group-version-kind` extension Kubernetes puts on every definition that is a
 * kind (resources, their lists, Status, DeleteOptions, WatchEvent, subresource kinds).
 * `kubectl explain` finds a resource's schema by that extension.
 */
import { collectDefinitions, definitionName, type OpenApiSchema, type SchemaFlavor } from '../../api/schema.ts';
import { RESOURCES } from '../../api/registry.ts';
import { API_RESOURCE_LIST, DELETE_OPTIONS, STATUS, WATCH_EVENT, type GroupVersionKind, type PathSpec } from './operations.ts';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** Kinds of the meta group the API server registers in every group/version it serves. */
const PER_GROUP_VERSION_KINDS = new Map([
  [DELETE_OPTIONS, 'DeleteOptions'],
  [WATCH_EVENT, 'WatchEvent'],
]);

/** Kinds of definitions that are not served resources (subresource bodies, meta kinds). */
const FIXED_KINDS: Record<string, GroupVersionKind[]> = {
  [STATUS]: [{ group: '', kind: 'Status', version: 'v1' }],
  [API_RESOURCE_LIST]: [{ group: '', kind: 'APIResourceList', version: 'v1' }],
  [`${META}.APIVersions`]: [{ group: '', kind: 'APIVersions', version: 'v1' }],
  [`${META}.APIGroup`]: [{ group: '', kind: 'APIGroup', version: 'v1' }],
  [`${META}.APIGroupList`]: [{ group: '', kind: 'APIGroupList', version: 'v1' }],
  'io.k8s.api.autoscaling.v1.Scale': [{ group: 'autoscaling', kind: 'Scale', version: 'v1' }],
  'io.k8s.api.core.v1.Binding': [{ group: '', kind: 'Binding', version: 'v1' }],
  'io.k8s.api.policy.v1.Eviction': [{ group: 'policy', kind: 'Eviction', version: 'v1' }],
  'io.k8s.api.authentication.v1.TokenRequest': [{ group: 'authentication.k8s.io', kind: 'TokenRequest', version: 'v1' }],
};

let kindTable: Map<string, GroupVersionKind[]> | undefined;

/** Definition name -> the kinds it is, over everything skiff serves (computed once). */
function kindsByDefinition(): Map<string, GroupVersionKind[]> {
  if (kindTable) return kindTable;
  const table = new Map<string, GroupVersionKind[]>(Object.entries(FIXED_KINDS));
  const add = (definition: string | undefined, gvk: GroupVersionKind): void => {
    if (!definition) return;
    const list = table.get(definition) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) list.push(gvk);
    table.set(definition, list);
  };
  const groupVersions = new Map<string, { group: string; version: string }>([['/v1', { group: '', version: 'v1' }]]);
  for (const info of RESOURCES) {
    add(definitionName(info.model), { group: info.group, kind: info.kind, version: info.version });
    if (info.verbs.includes('list')) add(definitionName(`${info.model}List`), { group: info.group, kind: `${info.kind}List`, version: info.version });
    groupVersions.set(`${info.group}/${info.version}`, { group: info.group, version: info.version });
  }
  const sorted = [...groupVersions.values()].sort((a, b) => (a.group === b.group ? (a.version < b.version ? -1 : 1) : a.group < b.group ? -1 : 1));
  for (const [definition, kind] of PER_GROUP_VERSION_KINDS) {
    for (const gv of sorted) add(definition, { group: gv.group, kind, version: gv.version });
  }
  kindTable = table;
  return table;
}

/** Every definition name the operations of `paths` mention, as bodies or responses. */
function operationRoots(paths: PathSpec[]): Set<string> {
  const roots = new Set<string>();
  for (const path of paths) {
    for (const op of path.operations) {
      if (op.body && 'definition' in op.body) roots.add(op.body.definition);
      for (const payload of Object.values(op.responses)) if ('definition' in payload) roots.add(payload.definition);
    }
  }
  return roots;
}

/**
 * The definitions a document with these operations carries: everything reachable from the
 * operations' bodies and responses, each kind tagged with `x-kubernetes-group-version-kind`.
 */
export function documentDefinitions(paths: PathSpec[], flavor: SchemaFlavor, extraRoots: string[] = []): Record<string, OpenApiSchema> {
  const definitions = collectDefinitions([...operationRoots(paths), ...extraRoots], flavor);
  const kinds = kindsByDefinition();
  for (const [name, schema] of Object.entries(definitions)) {
    const gvks = kinds.get(name);
    if (gvks) schema['x-kubernetes-group-version-kind'] = gvks.map((g) => ({ ...g }));
  }
  return definitions;
}
