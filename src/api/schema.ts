/**
 * OpenAPI schemas of the built-in types, derived from the `@kubernetes/client-node` models'
 * attribute maps and named as Kubernetes names its definitions (`V1PodSpec` ->
 * `io.k8s.api.core.v1.PodSpec`). The API server publishes them in `/openapi/v2` and
 * `/openapi/v3/...`; `kubectl explain` and kubectl's field-validation probe read them.
 *
 * Facts client-node loses are restored from generated tables (schema-names.ts): which package
 * declares a type, fields whose Go type is `resource.Quantity`, `runtime.RawExtension` and
 * friends, and which fields openapi-gen marks required. Patch strategies, merge keys and list
 * types come from patch/patch-meta.ts, so strategic merge patch and the documents agree.
 */
import { fieldPatchMeta, modelAttributes, modelIsAtomic } from './patch/patch-meta.ts';
import { MODEL_PACKAGES, REQUIRED_FIELDS, SPECIAL_FIELDS } from './schema-names.ts';

/** A JSON schema as Kubernetes writes it in its OpenAPI documents (the subset skiff emits). */
export interface OpenApiSchema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  additionalProperties?: OpenApiSchema;
  oneOf?: OpenApiSchema[];
  $ref?: string;
  [extension: `x-${string}`]: unknown;
}

/** Which document flavour a schema is for: refs and a few special types differ. */
export type SchemaFlavor = 'v2' | 'v3';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const TIME = `${META}.Time`;
const MICRO_TIME = `${META}.MicroTime`;

/** Definition name -> client-node model, and back. */
const toDefinition = new Map<string, string>();
const toModel = new Map<string, string>();
for (const [pkg, models] of Object.entries(MODEL_PACKAGES)) {
  for (const model of models) {
    // client-node names a type `[Group]<Version><Type>`; the definition is `<package>.<Type>`.
    const type = model.replace(/^(?:[A-Z][a-z]+)?V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/, '');
    toDefinition.set(model, `${pkg}.${type}`);
    toModel.set(`${pkg}.${type}`, model);
  }
}

/** The Kubernetes definition name of a client-node model (`V1Pod` -> `io.k8s.api.core.v1.Pod`). */
export function definitionName(model: string): string | undefined {
  return toDefinition.get(model);
}

/** The client-node model behind a Kubernetes definition name, if it is a modelled struct. */
export function modelOfDefinition(definition: string): string | undefined {
  return toModel.get(definition);
}

/**
 * Definitions that are not client-node models: apimachinery types with custom JSON forms.
 * Kubernetes publishes Quantity and IntOrString as `oneOf` in v3 and as plain strings in v2.
 */
function specialDefinition(name: string, flavor: SchemaFlavor): OpenApiSchema | undefined {
  switch (name) {
    case TIME:
    case MICRO_TIME:
      return { type: 'string', format: 'date-time' };
    case QUANTITY:
      return flavor === 'v3' ? { oneOf: [{ type: 'string' }, { type: 'number' }] } : { type: 'string' };
    case INT_OR_STRING:
      return flavor === 'v3' ? { format: 'int-or-string', oneOf: [{ type: 'integer' }, { type: 'string' }] } : { type: 'string', format: 'int-or-string' };
    case 'io.k8s.apimachinery.pkg.runtime.RawExtension':
    case `${META}.FieldsV1`:
    case `${META}.Patch`:
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceStatus':
      return { type: 'object' };
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON':
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray':
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool':
    case 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray':
      // Any JSON value: Kubernetes gives these no type at all.
      return {};
  }
  return undefined;
}

/** The `$ref` prefix of a document flavour. */
export function refPrefix(flavor: SchemaFlavor): string {
  return flavor === 'v3' ? '#/components/schemas/' : '#/definitions/';
}

function ref(definition: string, flavor: SchemaFlavor): OpenApiSchema {
  return { $ref: refPrefix(flavor) + definition };
}

/** The schema of one value of client-node type `type` (an attribute's `type` and `format`). */
function typeSchema(type: string, format: string, flavor: SchemaFlavor): OpenApiSchema {
  const list = /^Array<(.+)>$/.exec(type)?.[1];
  if (list) return { type: 'array', items: typeSchema(list, format, flavor) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1];
  if (map) return { type: 'object', additionalProperties: typeSchema(map, format, flavor) };
  switch (type) {
    case 'string':
      return format ? { type: 'string', format } : { type: 'string' };
    case 'number':
      return format === 'double' ? { type: 'number', format } : { type: 'integer', format: format || 'int64' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return ref(TIME, flavor);
    case 'V1MicroTime':
      return ref(MICRO_TIME, flavor);
    case 'IntOrString':
      return ref(INT_OR_STRING, flavor);
    case 'any':
    case 'object':
      return { type: 'object' };
  }
  const definition = definitionName(type);
  return definition ? ref(definition, flavor) : { type: 'object' };
}

/** A special Go type replaces client-node's flattened one; lists and maps keep their shape. */
function specialSchema(special: string, clientType: string, flavor: SchemaFlavor): OpenApiSchema {
  if (special.startsWith('map:')) return { type: 'object', additionalProperties: ref(special.slice(4), flavor) };
  const one = ref(special, flavor);
  return clientType.startsWith('Array<') ? { type: 'array', items: one } : one;
}

/** Adds the `x-kubernetes-*` patch extensions of one field, as Kubernetes publishes them. */
function addPatchExtensions(schema: OpenApiSchema, model: string, field: string): void {
  const meta = fieldPatchMeta(model, field);
  if (!meta) return;
  if (meta.listMapKeys) schema['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
  if (meta.listType) schema['x-kubernetes-list-type'] = meta.listType;
  if (meta.mapType) schema['x-kubernetes-map-type'] = meta.mapType;
  if (meta.mergeKey) schema['x-kubernetes-patch-merge-key'] = meta.mergeKey;
  if (meta.strategy) schema['x-kubernetes-patch-strategy'] = meta.strategy;
}

/**
 * The schema of one client-node model: an object with one property per attribute, refs to
 * nested definitions, Kubernetes' required list and patch extensions. Undefined for a name
 * that is not a client-node model.
 */
export function modelSchema(model: string, flavor: SchemaFlavor = 'v3'): OpenApiSchema | undefined {
  const attributes = modelAttributes(model);
  if (!attributes) return undefined;
  const properties: Record<string, OpenApiSchema> = {};
  for (const name of [...attributes.keys()].sort()) {
    const attr = attributes.get(name)!;
    const special = SPECIAL_FIELDS[model]?.[name];
    const schema = special ? specialSchema(special, attr.type, flavor) : typeSchema(attr.type, attr.format, flavor);
    addPatchExtensions(schema, model, name);
    properties[name] = schema;
  }
  const schema: OpenApiSchema = { type: 'object', properties };
  const required = REQUIRED_FIELDS[model];
  if (required?.length) schema.required = [...required];
  if (modelIsAtomic(model)) schema['x-kubernetes-map-type'] = 'atomic';
  return schema;
}

/** The schema of a definition by its Kubernetes name (models and special types alike). */
export function definitionSchema(definition: string, flavor: SchemaFlavor = 'v3'): OpenApiSchema | undefined {
  const special = specialDefinition(definition, flavor);
  if (special) return special;
  const model = modelOfDefinition(definition);
  return model ? modelSchema(model, flavor) : undefined;
}

/** Every definition name a schema refers to, directly. */
function refsOf(schema: OpenApiSchema, prefix: string, out: string[]): void {
  if (schema.$ref?.startsWith(prefix)) out.push(schema.$ref.slice(prefix.length));
  for (const child of Object.values(schema.properties ?? {})) refsOf(child, prefix, out);
  if (schema.items) refsOf(schema.items, prefix, out);
  if (schema.additionalProperties) refsOf(schema.additionalProperties, prefix, out);
  for (const child of schema.oneOf ?? []) refsOf(child, prefix, out);
}

/**
 * The definitions `roots` need, transitively (as each Kubernetes OpenAPI document carries
 * exactly the definitions its operations reach), keyed by definition name in sorted order.
 * Unknown names are skipped.
 */
export function collectDefinitions(roots: Iterable<string>, flavor: SchemaFlavor = 'v3'): Record<string, OpenApiSchema> {
  const found = new Map<string, OpenApiSchema>();
  const queue = [...roots];
  const prefix = refPrefix(flavor);
  while (queue.length) {
    const name = queue.pop()!;
    if (found.has(name)) continue;
    const schema = definitionSchema(name, flavor);
    if (!schema) continue;
    found.set(name, schema);
    const refs: string[] = [];
    refsOf(schema, prefix, refs);
    queue.push(...refs.filter((r) => !found.has(r)));
  }
  return Object.fromEntries([...found].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
