/**
 * The structure server-side apply sees in an object (sigs.k8s.io/structured-merge-diff, with the
 * schema conversion of kube-openapi's schemaconv): every value is a leaf (scalar, atomic list,
 * atomic map or struct), a granular map/struct, or an associative list (list-map with keys, or set).
 * Lists without a list type are atomic, unless their patch strategy is merge: then they are
 * associative, keyed by the merge key (or a set without one).
 */
import { StatusError } from '../errors.ts';
import { keyElement } from './field-set.ts';
import { childSchema, listKeyDefault, modelIsAtomic, type FieldPatchMeta, type SchemaNode } from './patch-meta.ts';

/** How a value is treated, with the schema of its children (or of its items, for lists). */
export interface Shape {
  kind: 'leaf' | 'map' | 'list';
  node: SchemaNode;
  /** List-map key fields; empty for a set. */
  keys: string[];
}

/** The shape of the root object of client-node model `model`. */
export function rootShape(model: string): Shape {
  return { kind: 'map', node: { model }, keys: [] };
}

/** The shape of field `key` of an object with shape `parent`, given the value(s) found there. */
export function fieldShape(parent: Shape, key: string, ...values: unknown[]): { shape: Shape; declared: boolean } {
  const child = childSchema(parent.node, key);
  return { shape: shapeFor(child.meta, child.node, values), declared: child.declared };
}

/** The shape of the items of a list with shape `list`. */
export function itemShape(list: Shape, ...values: unknown[]): Shape {
  return shapeFor(undefined, list.node, values);
}

function shapeFor(meta: FieldPatchMeta | undefined, node: SchemaNode, values: unknown[]): Shape {
  const present = values.filter((v) => v !== undefined && v !== null);
  if (present.some(Array.isArray)) {
    if (present.some((v) => !Array.isArray(v))) return { kind: 'leaf', node, keys: [] };
    const list = listRelationship(meta);
    return list ? { kind: 'list', node, keys: list } : { kind: 'leaf', node, keys: [] };
  }
  if (present.some(isObject)) {
    if (present.some((v) => !isObject(v))) return { kind: 'leaf', node, keys: [] };
    const atomic = meta?.mapType === 'atomic' || (node.model !== undefined && !node.mapOf && modelIsAtomic(node.model));
    return { kind: atomic ? 'leaf' : 'map', node, keys: [] };
  }
  return { kind: 'leaf', node, keys: [] };
}

/** Keys of an associative list (empty array for a set), or undefined for an atomic list. */
function listRelationship(meta: FieldPatchMeta | undefined): string[] | undefined {
  if (meta?.listType === 'atomic') return undefined;
  if (meta?.listType === 'set') return [];
  if (meta?.listType === 'map') return meta.listMapKeys ?? [];
  const strategies = (meta?.strategy ?? '').split(',');
  if (strategies.includes('merge')) return meta?.mergeKey ? [meta.mergeKey] : [];
  return undefined;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The path element of an item of an associative list: `k:{...}` with the key fields (a missing
 * key takes its schema default, e.g. protocol TCP) or `v:<json>` for a set item.
 */
export function itemElement(list: Shape, item: unknown, path: readonly string[]): string {
  if (list.keys.length === 0) return `v:${JSON.stringify(item)}`;
  const key: Record<string, unknown> = {};
  for (const k of list.keys) {
    const value = isObject(item) ? item[k] : undefined;
    const fallback = value === undefined ? listKeyDefault(list.node.model, k) : value;
    if (fallback === undefined) {
      throw new StatusError(500, 'InternalError', `Internal error occurred: ${readablePath(path)}: associative list with keys has an element that omits key field "${k}" (and doesn't have default value)`);
    }
    key[k] = fallback;
  }
  return keyElement(key);
}

function readablePath(path: readonly string[]): string {
  return path.map((pe) => (pe.startsWith('f:') ? `.${pe.slice(2)}` : `[${pe.slice(2)}]`)).join('');
}
