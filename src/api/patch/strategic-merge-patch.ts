/**
 * Strategic merge patch (`application/strategic-merge-patch+json`) with the semantics of
 * k8s.io/apimachinery/pkg/util/strategicpatch: maps merge, `null` deletes, lists whose field has
 * `patchStrategy: merge` are merged (by merge key for objects, as a union for scalars), other lists
 * are replaced, and the directives `$patch`, `$retainKeys`, `$deleteFromPrimitiveList/<field>` and
 * `$setElementOrder/<field>` work as in Kubernetes. This is what kubectl sends for apply, edit,
 * label, annotate, scale, set image and patch.
 */
import { badRequest, StatusError } from '../errors.ts';
import { cloneJson } from '../object.ts';
import { childSchema, modelAttributes, type SchemaNode } from './patch-meta.ts';
import { normalizeElementOrder, partitionByPresence } from './smp-order.ts';
import { BAD_PRIMITIVE_LIST, BAD_RETAIN_KEYS, BAD_SET_ELEMENT_ORDER, badFormat, badPatchType, goFormat, noMergeKey, plainError, unprocessable } from './smp-errors.ts';

type Obj = Record<string, unknown>;

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Applies strategic merge patch `patch` to `doc`, an object of client-node model `model`
 * (e.g. `V1Deployment`), and returns the result; neither input is modified.
 *
 * Throws StatusError: 415 for a model without patch metadata (custom resources, as Kubernetes
 * refuses strategic merge patch for them), 400 for a patch that is not an object or a malformed
 * directive, 422 for lists of lists, 500 (Kubernetes' plain error) for a missing merge key or an
 * unknown `$patch` value.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, model: string): unknown {
  if (!modelAttributes(model)) {
    throw new StatusError(415, 'UnsupportedMediaType', 'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');
  }
  if (!isObject(patch)) {
    const what = Array.isArray(patch) ? 'array' : patch === null ? 'null' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${what} into Go value of type map[string]interface {}`);
  }
  const original = isObject(doc) ? cloneJson(doc) : {};
  return mergeMap(original, cloneJson(patch), { model });
}

function mergeMap(original: Obj | undefined, patch: Obj, node: SchemaNode): Obj {
  if (DIRECTIVE in patch) return directiveInMap(patch[DIRECTIVE], patch);
  const out = original ?? {};
  applyRetainKeys(out, patch);
  applySetElementOrder(out, patch, node);
  for (const [rawKey, patchV] of Object.entries(patch)) {
    let key = rawKey;
    const isDeleteList = rawKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    if (isDeleteList) key = extractKey(rawKey, DELETE_FROM_PRIMITIVE_LIST, BAD_PRIMITIVE_LIST);
    if (patchV === null) {
      delete out[key];
      continue;
    }
    if (!(key in out) || kindOf(out[key]) !== kindOf(patchV)) {
      // A new value (or one of a different shape) is taken from the patch as is, minus directives and nulls.
      if (!isDeleteList) takePatchValue(out, key, patchV);
      continue;
    }
    const child = childSchema(node, key);
    const { strategy, mergeKey } = strategyOf(child.meta?.strategy, child.meta?.mergeKey);
    if (isObject(patchV)) out[key] = strategy === 'replace' ? patchV : mergeMap(out[key] as Obj, patchV, child.node);
    else if (Array.isArray(patchV)) out[key] = mergeSliceHandler(out[key] as unknown[], patchV, child.node, strategy, mergeKey, isDeleteList);
    else takePatchValue(out, key, patchV);
  }
  return out;
}

function takePatchValue(out: Obj, key: string, patchV: unknown): void {
  discardNulls(patchV);
  const [value, keep] = removeDirectives(patchV);
  if (keep) out[key] = value;
  else delete out[key];
}

/** `$patch: replace` keeps the patch as the new map; `$patch: delete` empties it. */
function directiveInMap(directive: unknown, patch: Obj): Obj {
  if (directive === 'replace') {
    delete patch[DIRECTIVE];
    return patch;
  }
  if (directive === 'delete') return {};
  throw badPatchType(directive, patch);
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

/** A field's strategy without `retainKeys` (handled through the `$retainKeys` directive). */
function strategyOf(strategy: string | undefined, mergeKey: string | undefined): { strategy: string; mergeKey: string } {
  const parts = (strategy ?? '').split(',').filter((s) => s && s !== 'retainKeys');
  return { strategy: parts[0] ?? '', mergeKey: mergeKey ?? '' };
}

function extractKey(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badFormat(error);
  return key.slice(slash + 1);
}

/** `$retainKeys: [...]` clears every key of the original not listed; the patch may only set listed keys. */
function applyRetainKeys(original: Obj, patch: Obj): void {
  if (!(RETAIN_KEYS in patch)) return;
  const retain = patch[RETAIN_KEYS];
  delete patch[RETAIN_KEYS];
  if (!Array.isArray(retain)) throw badFormat(BAD_RETAIN_KEYS);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST) || k.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retain.includes(k)) throw badFormat(BAD_RETAIN_KEYS);
  }
  for (const k of Object.keys(original)) if (!retain.includes(k)) delete original[k];
}

/**
 * `$setElementOrder/<field>` merges the field's list now and orders the result: the order list
 * first, then the patch, then the live object (mergePatchIntoOriginal upstream).
 */
function applySetElementOrder(original: Obj, patch: Obj, node: SchemaNode): void {
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER)) continue;
    const order = patch[key];
    delete patch[key];
    if (!Array.isArray(order)) throw plainError(`expected a []interface {}, but received a ${goTypeName(order)}`);
    const field = extractKey(key, SET_ELEMENT_ORDER, BAD_SET_ELEMENT_ORDER);
    const originalList = listOrFail(original, field);
    const patchList = listOrFail(patch, field);
    const child = childSchema(node, field);
    const { strategy, mergeKey } = strategyOf(child.meta?.strategy, child.meta?.mergeKey);
    validateSetOrder(patchList ?? [], order, mergeKey);
    let merged: unknown[];
    if (originalList && !patchList) merged = originalList;
    else if (!originalList && patchList) merged = removeDirectives(patchList)[0] as unknown[];
    else if (originalList && patchList) merged = mergeSliceHandler(originalList, patchList, child.node, strategy, mergeKey, false);
    else continue;
    const kind = elementKind([...(originalList ?? []), ...(patchList ?? [])]);
    const key2 = kind === 'object' ? mergeKey : '';
    if (key2) requireMergeKey([merged, order], key2);
    const [patchItems, serverOnly] = partitionByPresence(merged, order, key2);
    original[field] = normalizeElementOrder(patchItems, serverOnly, order, originalList ?? [], key2);
    delete patch[field];
  }
}

function listOrFail(obj: Obj, field: string): unknown[] | undefined {
  if (!(field in obj)) return undefined;
  const v = obj[field];
  if (!Array.isArray(v)) throw plainError(`expected a []interface {}, but received a ${goTypeName(v)}`);
  return v;
}

function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

/** Items of the patch list (deletions aside) must appear in the order list, in the same relative order. */
function validateSetOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((v) => !(isObject(v) && v[DIRECTIVE] === 'delete')) : patchList;
  let pi = 0;
  let si = 0;
  while (pi < items.length && si < order.length) {
    if (isObject(items[pi]) && DIRECTIVE in (items[pi] as Obj)) {
      pi++;
      continue;
    }
    if (sameMergeKey(items[pi], order[si], mergeKey)) pi++;
    si++;
  }
  if (pi < items.length && si >= order.length) {
    throw plainError(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}\n`);
  }
}

function sameMergeKey(a: unknown, b: unknown, mergeKey: string): boolean {
  if (!mergeKey) return a === b;
  if (!isObject(a) || !(mergeKey in a)) throw noMergeKey(a, mergeKey);
  if (!isObject(b) || !(mergeKey in b)) throw noMergeKey(b, mergeKey);
  return a[mergeKey] === b[mergeKey];
}

function mergeSliceHandler(original: unknown[], patch: unknown[], node: SchemaNode, strategy: string, mergeKey: string, isDeleteList: boolean): unknown[] {
  // Deletion lists are applied whatever the field's strategy; lists without `merge` are replaced.
  if (strategy === 'merge' || isDeleteList) return mergeSlice(original, patch, node, mergeKey, isDeleteList);
  return patch;
}

/** The shared element kind of the given items: 'object', a scalar type, or undefined when empty. */
function elementKind(items: unknown[]): string | undefined {
  let kind: string | undefined;
  for (const item of items) {
    const k = kindOf(item);
    if (kind === undefined) {
      if (k === 'array') throw unprocessable(); // lists of lists are not supported
      kind = k;
    } else if (k !== kind) {
      return 'mixed';
    }
  }
  return kind;
}

function mergeSlice(original: unknown[], patch: unknown[], node: SchemaNode, mergeKey: string, isDeleteList: boolean): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind([...original, ...patch]);
  if (kind === 'mixed') throw plainError(`list element types are not identical: ${goFormat([original, patch])}`);
  if (kind !== 'object') {
    if (isDeleteList) return original.filter((v) => !patch.includes(v));
    const merged = dedupeScalars([...original, ...patch]);
    const [inPatch, serverOnly] = partitionByPresence(merged, patch, '');
    return normalizeElementOrder(inPatch, serverOnly, patch, original, '');
  }
  if (!mergeKey) throw plainError(`cannot merge lists without merge key for ${node.model ?? ''}`);
  const [base, items] = applyListDirectives(original, patch, mergeKey);
  const merged = mergeByKey([...base], items, mergeKey, node);
  requireMergeKey([merged, items, base], mergeKey);
  const [inPatch, serverOnly] = partitionByPresence(merged, items, mergeKey);
  return normalizeElementOrder(inPatch, serverOnly, items, base, mergeKey);
}

/** Go's in-place deduplication (swap with the last element), kept for identical ordering input. */
function dedupeScalars(s: unknown[]): unknown[] {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/** Handles `{$patch: delete, <key>: v}` and `{$patch: replace}` items; returns the new base and the plain items. */
function applyListDirectives(original: unknown[], patch: unknown[], mergeKey: string): [unknown[], unknown[]] {
  let base = original;
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as Obj;
    if (!(DIRECTIVE in item)) {
      plain.push(v);
      continue;
    }
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      base = base.filter((o) => !(isObject(o) && mergeKey in o && o[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw plainError('merging lists cannot yet be specified in the patch');
    } else {
      throw badPatchType(directive, item);
    }
  }
  return replace ? [plain, []] : [base, plain];
}

function mergeByKey(base: unknown[], items: unknown[], mergeKey: string, node: SchemaNode): unknown[] {
  for (const v of items) {
    const item = v as Obj;
    if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
    const at = base.findIndex((o) => isObject(o) && mergeKey in o && o[mergeKey] === item[mergeKey]);
    if (at >= 0) base[at] = mergeMap(base[at] as Obj, item, node);
    else base.push(cleanNew(item));
  }
  return base;
}

/** A new list item carries no directives or nulls once decoded into the typed object upstream. */
function cleanNew(item: Obj): unknown {
  discardNulls(item);
  return removeDirectives(item)[0];
}

function requireMergeKey(lists: unknown[][], mergeKey: string): void {
  for (const list of lists) for (const item of list) if (!isObject(item) || !(mergeKey in item)) throw noMergeKey(item, mergeKey);
}

function discardNulls(v: unknown): void {
  if (Array.isArray(v)) v.forEach(discardNulls);
  else if (isObject(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (child === null) delete v[k];
      else discardNulls(child);
    }
  }
}

/**
 * Drops directives from a value taken from the patch: a map with `$patch` is dropped entirely
 * (returns keep=false), other `$`-directive keys are removed (a typed decode ignores them upstream).
 */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) {
      const [value, keep] = removeDirectives(item);
      if (keep) out.push(value);
    }
    return [out, true];
  }
  if (!isObject(v)) return [v, true];
  if (DIRECTIVE in v) return [undefined, false];
  for (const [k, child] of Object.entries(v)) {
    if (k.startsWith('$')) {
      delete v[k];
      continue;
    }
    const [value, keep] = removeDirectives(child);
    if (keep) v[k] = value;
    else delete v[k];
  }
  return [v, true];
}
