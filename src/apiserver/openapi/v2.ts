/**
 * OpenAPI v2 (swagger 2.0) at `/openapi/v2`: every served group/version in one document, with
 * the same operations and definitions as the v3 documents.
 *
 * kubectl 1.32 prefers v3 (explain, the field-validation probe). It still fetches v2 for the
 * client-side schema validator its `--validate` flag builds, but asks for it as protobuf
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`); this module provides the JSON
 * form, which other clients request with `Accept: application/json`.
 */
import { refPrefix, type OpenApiSchema } from '../../api/schema.ts';
import { versionInfo } from '../version.ts';
import { documentDefinitions } from './definitions.ts';
import { groupVersionKeys, groupVersionPaths, type OperationSpec, type Payload, type PathSpec } from './operations.ts';
import { pathParam, queryParam, type ParamSpec } from './parameters.ts';
import { PATCH_MEDIA_TYPES } from './v3.ts';

const PREFIX = refPrefix('v2');
const STATUS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted' };

function payloadSchema(payload: Payload): OpenApiSchema {
  return 'definition' in payload ? { $ref: PREFIX + payload.definition } : { type: 'string' };
}

function parameter(p: ParamSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { in: p.in, name: p.name };
  if (p.required) out.required = true;
  out.type = p.type;
  out.uniqueItems = true;
  return out;
}

function produces(op: OperationSpec): string[] {
  switch (op.style) {
    case 'stream':
      return ['application/json', 'application/yaml', 'application/json;stream=watch'];
    case 'text':
      return ['text/plain', 'application/json', 'application/yaml'];
    case 'any':
      return ['*/*'];
    default:
      return ['application/json', 'application/yaml'];
  }
}

function operation(op: OperationSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    consumes: op.patchBody ? PATCH_MEDIA_TYPES : ['*/*'],
    operationId: op.operationId,
  };
  const params = op.params.map((name) => parameter(queryParam(name)));
  if (op.body) params.unshift({ in: 'body', name: 'body', required: true, schema: payloadSchema(op.body) });
  if (params.length) out.parameters = params;
  out.produces = produces(op);
  const responses: Record<string, unknown> = {};
  for (const [code, payload] of Object.entries(op.responses)) responses[code] = { description: STATUS_TEXT[code] ?? 'OK', schema: payloadSchema(payload) };
  responses['401'] = { description: 'Unauthorized' };
  out.responses = responses;
  out.schemes = ['https'];
  out.tags = [op.tag];
  if (op.action) out['x-kubernetes-action'] = op.action;
  if (op.gvk) out['x-kubernetes-group-version-kind'] = { ...op.gvk };
  return out;
}

function pathItem(spec: PathSpec): Record<string, unknown> {
  const item: Record<string, unknown> = {};
  for (const op of spec.operations) item[op.method] = operation(op);
  const params = [...spec.pathParams.map(pathParam), ...spec.queryParams.map(queryParam)];
  if (params.length) item.parameters = params.map(parameter);
  return item;
}

let cached: Record<string, unknown> | undefined;

/**
 * The swagger 2.0 document of everything served: paths of every group/version and the
 * definitions they reach, kinds tagged with `x-kubernetes-group-version-kind`. Built once.
 */
export function openApiV2(): object {
  if (cached) return cached;
  const specs: PathSpec[] = [];
  for (const { group, version } of groupVersionKeys()) specs.push(...groupVersionPaths(group, version));
  specs.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  cached = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: versionInfo().gitVersion },
    paths: Object.fromEntries(specs.map((s) => [s.path, pathItem(s)])),
    definitions: documentDefinitions(specs, 'v2'),
    securityDefinitions: { BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' } },
    security: [{ BearerToken: [] }],
  };
  return cached;
}
