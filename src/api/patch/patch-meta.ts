/**
 * Patch metadata of the built-in types: how strategic merge patch and server-side apply treat
 * each list and map field. The facts (generated into patch-meta-data.ts from the Kubernetes API
 * types) are the ones Kubernetes publishes in its OpenAPI documents as `x-kubernetes-patch-strategy`,
 * `x-kubernetes-patch-merge-key`, `x-kubernetes-list-type`, `x-kubernetes-list-map-keys` and
 * `x-kubernetes-map-type`. Field types come from the `@kubernetes/client-node` attribute maps,
 * generated into model-attributes-data.ts so that the server never loads client-node itself.
 */
import { MODEL_ATTRIBUTES } from '../model-attributes-data.ts';
import { ATOMIC_STRUCTS, FIELD_PATCH_META, LIST_KEY_DEFAULTS } from './patch-meta-data.ts';

/** The patch facts of one field, spelled as in Kubernetes' OpenAPI extensions. */
export interface FieldPatchMeta {
  strategy?: 'merge' | 'retainKeys' | 'merge,retainKeys' | 'replace';
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
}

/**
 * The patch facts of `field` (JSON name) of client-node model `model` (e.g. `V1PodSpec`,
 * `containers`), or undefined when the field has none (a list without a strategy is replaced
 * by strategic merge patch and atomic for server-side apply; a map is granular).
 */
export function fieldPatchMeta(model: string, field: string): FieldPatchMeta | undefined {
  return FIELD_PATCH_META[model]?.[field];
}

/** True when the struct itself is atomic (`x-kubernetes-map-type: atomic` on the definition). */
export function modelIsAtomic(model: string): boolean {
  return ATOMIC_STRUCTS.has(model);
}

/** One attribute of a client-node model, as its static `getAttributeTypeMap()` describes it. */
export interface Attribute {
  /** The TypeScript property name (`_continue`). */
  name: string;
  /** The JSON field name (`continue`). */
  baseName: string;
  /** The client-node type: a model name, `Array<...>`, `{ [key: string]: ...; }` or a scalar. */
  type: string;
  /** The OpenAPI format (`int32`, `date-time`, ...) or ''. */
  format: string;
}

const attributeCache = new Map<string, Map<string, Attribute> | undefined>();

/** The attribute map of a client-node model keyed by JSON field name, or undefined for a non-model. */
export function modelAttributes(model: string): Map<string, Attribute> | undefined {
  if (attributeCache.has(model)) return attributeCache.get(model);
  // Own properties only: a type such as `constructor` must not find Object.prototype's.
  const list = Object.hasOwn(MODEL_ATTRIBUTES, model) ? MODEL_ATTRIBUTES[model] : undefined;
  const attrs = list ? new Map(list.map(([name, baseName, type, format]) => [baseName, { name, baseName, type, format }])) : undefined;
  attributeCache.set(model, attrs);
  return attrs;
}

/**
 * The client-node model of the values of `field` in `model`: the element model of a list
 * (`Array<V1Container>` -> `V1Container`), the value model of a map
 * (`{ [key: string]: V1JSONSchemaProps; }` -> `V1JSONSchemaProps`), or the model of a nested
 * object. Undefined for scalars, free-form values and unknown fields.
 */
export function fieldModel(model: string, field: string): string | undefined {
  const type = modelAttributes(model)?.get(field)?.type;
  if (!type) return undefined;
  const inner = /^Array<(.+)>$/.exec(type)?.[1] ?? /^\{ \[key: string\]: (.+); \}$/.exec(type)?.[1] ?? type;
  return modelAttributes(inner) ? inner : undefined;
}

/** The shape of a field's values as client-node declares it. */
export type FieldKind = 'list' | 'map' | 'object' | 'scalar' | 'unknown';

/** Whether `field` of `model` is a list, a string-keyed map, a nested object or a scalar. */
export function fieldKind(model: string, field: string): FieldKind {
  const type = modelAttributes(model)?.get(field)?.type;
  if (!type) return 'unknown';
  if (type.startsWith('Array<')) return 'list';
  if (type.startsWith('{ [key: string]')) return 'map';
  if (modelAttributes(type)) return 'object';
  return type === 'any' ? 'unknown' : 'scalar';
}

/**
 * Where a JSON value sits in the schema: a struct of client-node model `model`, a string-keyed map
 * whose values are `model` (`mapOf`), or an unknown/free-form value (no model).
 */
export interface SchemaNode {
  model?: string;
  mapOf?: boolean;
}

/** The schema of the value under `key` of an object at `node`, with the field's patch facts. */
export interface ChildSchema {
  meta?: FieldPatchMeta;
  /** For a list: the schema of its elements; otherwise the schema of the value itself. */
  node: SchemaNode;
  /** True when `key` is a declared field of a struct (not a map entry or an unknown key). */
  declared: boolean;
}

/** Descends from an object at `node` into `key`. */
export function childSchema(node: SchemaNode, key: string): ChildSchema {
  if (!node.model) return { node: {}, declared: false };
  if (node.mapOf) return { node: { model: node.model }, declared: false };
  const kind = fieldKind(node.model, key);
  if (kind === 'unknown') return { node: {}, declared: false };
  const model = fieldModel(node.model, key);
  return { meta: fieldPatchMeta(node.model, key), node: model ? { model, mapOf: kind === 'map' } : {}, declared: true };
}

/** The default of list-map key `key` in element model `model` (e.g. V1ContainerPort.protocol = TCP). */
export function listKeyDefault(model: string | undefined, key: string): unknown {
  return model ? LIST_KEY_DEFAULTS[model]?.[key] : undefined;
}
