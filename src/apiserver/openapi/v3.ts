/**
 * OpenAPI v3, as the Kubernetes API server serves it: `/openapi/v3` lists one document per
 * group/version (`{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}`)
 * and `/openapi/v3/api/v1` is that document. kubectl reads these with `Accept: application/json`:
 * `kubectl explain` (the whole document, finding the kind by `x-kubernetes-group-version-kind`)
 * and apply/create/replace with `--validate=strict` (the `fieldValidation` parameter of the kind's
 * PATCH operation). Documents are built once and cached; the hash is the SHA-512 of the document
 * in upper-case hex, as kube-openapi's handler3 computes it.
 */
import { createHash } from 'node:crypto';
import { refPrefix, type OpenApiSchema } from '../../api/schema.ts';
import { RESOURCES } from '../../api/registry.ts';
import { documentDefinitions } from './definitions.ts';
import { groupVersionKeys, groupVersionPaths, groupId, type OperationSpec, type Payload, type PathSpec } from './operations.ts';
import { pathParam, queryParam, type ParamSpec } from './parameters.ts';

const PREFIX = refPrefix('v3');
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** The media types of patch bodies Kubernetes accepts. */
export const PATCH_MEDIA_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/**
 * Response media types skiff can produce. Kubernetes also lists protobuf (and CBOR); skiff does
 * not serve those encodings, so it does not advertise them.
 */
const OBJECT_TYPES = ['application/json', 'application/yaml'];
const STREAM_TYPES = ['application/json', 'application/json;stream=watch', 'application/yaml'];

function payloadSchema(payload: Payload): OpenApiSchema {
  return 'definition' in payload ? { $ref: PREFIX + payload.definition } : { type: 'string' };
}

function content(types: string[], schema: OpenApiSchema): Record<string, { schema: OpenApiSchema }> {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

const STATUS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

function responseTypes(op: OperationSpec): string[] {
  switch (op.style) {
    case 'stream':
      return STREAM_TYPES;
    case 'text':
      return ['application/json', 'application/yaml', 'text/plain'];
    case 'any':
      return ['*/*'];
    default:
      return OBJECT_TYPES;
  }
}

/** A parameter as a v3 Parameter Object. */
export function v3Parameter(p: ParamSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.schema = { type: p.type, uniqueItems: true };
  return out;
}

function operation(op: OperationSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { operationId: op.operationId };
  if (op.params.length) out.parameters = op.params.map((name) => v3Parameter(queryParam(name)));
  if (op.body) {
    const types = op.patchBody ? PATCH_MEDIA_TYPES : ['application/json'];
    out.requestBody = { content: content(types, payloadSchema(op.body)) };
  }
  const responses: Record<string, unknown> = {};
  for (const [code, payload] of Object.entries(op.responses)) {
    responses[code] = { content: content(responseTypes(op), payloadSchema(payload)), description: STATUS_TEXT[code] ?? 'OK' };
  }
  out.responses = responses;
  out.tags = [op.tag];
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { ...op.gvk };
  return out;
}

function pathItem(spec: PathSpec): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const op of spec.operations) item[op.method] = operation(op);
  const params = [...spec.pathParams.map(pathParam), ...spec.queryParams.map(queryParam)];
  if (params.length) item.parameters = params.map(v3Parameter);
  return item;
}

/** The document skeleton every v3 document shares. */
function document(paths: Record<string, unknown>, schemas: Record<string, OpenApiSchema>): Record<string, unknown> {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: {
      schemas,
      securitySchemes: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    },
    security: [{ BearerToken: [] }],
  };
}

function groupVersionDocument(group: string, version: string): Record<string, unknown> {
  const specs = groupVersionPaths(group, version);
  const paths = Object.fromEntries(specs.map((s) => [s.path, pathItem(s)]));
  return document(paths, documentDefinitions(specs, 'v3'));
}

/** A discovery-only document (`api`, `apis`, `apis/<group>`): one GET of a discovery kind. */
function discoveryDocument(path: string, operationId: string, tag: string, definition: string): Record<string, unknown> {
  const spec: PathSpec = {
    path,
    pathParams: [],
    queryParams: [],
    operations: [{ method: 'get', operationId, action: '', params: [], responses: { 200: { definition } }, style: 'object', tag }],
  };
  return document({ [path]: pathItem(spec) }, documentDefinitions([spec], 'v3'));
}

/** Every document by its path key, built lazily. */
function builders(): Map<string, () => Record<string, unknown>> {
  const out = new Map<string, () => Record<string, unknown>>();
  out.set('api', () => discoveryDocument('/api/', 'getCoreAPIVersions', 'core', `${META}.APIVersions`));
  out.set('apis', () => discoveryDocument('/apis/', 'getAPIVersions', 'apis', `${META}.APIGroupList`));
  for (const group of new Set(RESOURCES.map((r) => r.group).filter(Boolean))) {
    const id = groupId(group);
    const tag = id.charAt(0).toLowerCase() + id.slice(1);
    out.set(`apis/${group}`, () => discoveryDocument(`/apis/${group}/`, `get${id}APIGroup`, tag, `${META}.APIGroup`));
  }
  for (const { key, group, version } of groupVersionKeys()) out.set(key, () => groupVersionDocument(group, version));
  return out;
}

const BUILDERS = builders();
const documents = new Map<string, Record<string, unknown>>();
let root: { paths: Record<string, { serverRelativeURL: string }> } | undefined;

/**
 * The OpenAPI v3 document of `path` (`api/v1`, `apis/apps/v1`, also `api`, `apis`, `apis/apps`),
 * or undefined when skiff serves no such document. The same object is returned on every call.
 */
export function openApiV3Document(path: string): object | undefined {
  const key = path.replace(/^\/+|\/+$/g, '');
  let doc = documents.get(key);
  if (!doc) {
    const build = BUILDERS.get(key);
    if (!build) return undefined;
    documents.set(key, (doc = build()));
  }
  return doc;
}

/** The upper-case hex SHA-512 of a document's JSON, the `hash` kubectl caches it under. */
export function openApiV3Hash(path: string): string | undefined {
  const doc = openApiV3Document(path);
  return doc && createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase();
}

/** The `/openapi/v3` discovery document: every document's server-relative URL with its hash. */
export function openApiV3Root(): object {
  if (!root) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const key of [...BUILDERS.keys()].sort()) paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${openApiV3Hash(key)}` };
    root = { paths };
  }
  return root;
}
