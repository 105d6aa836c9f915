/**
 * The structured-merge-diff operations server-side apply is built from, on plain JSON guided by
 * the client-node schema: the field set of a value, the comparison of two values (added, modified,
 * removed paths), the merge of an applied configuration into a live object, and the removal of
 * paths from a value.
 */
import { jsonEqual } from '../object.ts';
import { FieldSet } from './field-set.ts';
import { childSchema, fieldKind, type SchemaNode } from './patch-meta.ts';
import { fieldShape, isObject, itemElement, itemShape, type Shape } from './typed-value.ts';

type Obj = Record<string, unknown>;

/**
 * The paths a value sets (typed ToFieldSet): leaves, the items of associative lists (their `.`),
 * map entries, and fields set to null or to an empty map.
 */
export function toFieldSet(value: unknown, shape: Shape): FieldSet {
  const set = new FieldSet();
  collect(value, shape, [], set);
  return set;
}

function collect(value: unknown, shape: Shape, path: string[], set: FieldSet): void {
  if (shape.kind === 'leaf') {
    set.insert(path);
  } else if (shape.kind === 'map') {
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      if (child === undefined) continue;
      const { shape: cs, declared } = fieldShape(shape, key, child);
      const childPath = [...path, `f:${key}`];
      collect(child, cs, childPath, set);
      if (child === null || (isObject(child) && Object.keys(child).length === 0) || !declared) set.insert(childPath);
    }
  } else if (Array.isArray(value)) {
    for (const item of value) {
      const itemPath = [...path, itemElement(shape, item, path)];
      collect(item, itemShape(shape, item), itemPath, set);
      set.insert(itemPath);
    }
  }
}

/** The result of comparing two versions of an object. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** True when the comparison found no difference. */
export function isSame(c: Comparison): boolean {
  return c.added.isEmpty() && c.modified.isEmpty() && c.removed.isEmpty();
}

/** Compares `lhs` (old) with `rhs` (new), both of shape `shape` (typed Compare). */
export function compare(lhs: unknown, rhs: unknown, shape: Shape): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareAt(lhs, rhs, shape, [], c);
  return c;
}

function compareAt(lhs: unknown, rhs: unknown, shape: Shape, path: string[], c: Comparison): void {
  let leaf = shape.kind === 'leaf';
  if (shape.kind === 'map') {
    const l = isObject(lhs) ? lhs : undefined;
    const r = isObject(rhs) ? rhs : undefined;
    // Empty or null on both sides is compared as a leaf, keeping the empty/null distinction.
    if (isEmptyObj(l) && isEmptyObj(r)) leaf = true;
    else {
      for (const key of unionKeys(l, r)) {
        const lv = l?.[key];
        const rv = r?.[key];
        // The same value on both sides (equal scalars, or a subtree a write carried over) has no difference below it.
        if (lv === rv) continue;
        compareAt(lv, rv, fieldShape(shape, key, lv, rv).shape, [...path, `f:${key}`], c);
      }
    }
  } else if (shape.kind === 'list') {
    const l = Array.isArray(lhs) ? lhs : [];
    const r = Array.isArray(rhs) ? rhs : [];
    if (l.length === 0 && r.length === 0) leaf = true;
    else compareItems(l, r, shape, path, c);
  }
  if (leaf) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!jsonEqual(lhs, rhs)) c.modified.insert(path);
    return;
  }
  if (lhs === undefined) c.added.insert(path);
  else if (rhs === undefined) c.removed.insert(path);
}

function compareItems(l: unknown[], r: unknown[], shape: Shape, path: string[], c: Comparison): void {
  const left = indexItems(l, shape, path);
  const right = indexItems(r, shape, path);
  for (const [pe, rv] of right) {
    const lv = left.get(pe);
    compareAt(lv, rv, itemShape(shape, lv, rv), [...path, pe], c);
  }
  for (const [pe, lv] of left) if (!right.has(pe)) compareAt(lv, undefined, itemShape(shape, lv), [...path, pe], c);
}

function indexItems(items: unknown[], shape: Shape, path: string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const item of items) {
    const pe = itemElement(shape, item, path);
    if (!out.has(pe)) out.set(pe, item);
  }
  return out;
}

function isEmptyObj(v: Obj | undefined): boolean {
  return v === undefined || Object.keys(v).length === 0;
}

function unionKeys(l: Obj | undefined, r: Obj | undefined): string[] {
  const keys = Object.keys(l ?? {});
  for (const k of Object.keys(r ?? {})) if (!keys.includes(k)) keys.push(k);
  return keys.filter((k) => l?.[k] !== undefined || r?.[k] !== undefined);
}

/**
 * Merges the applied configuration `rhs` into the live object `lhs` (typed Merge): leaves take the
 * applied value, maps merge key by key, associative lists merge item by item keeping the live
 * order for items the configuration does not mention.
 */
export function merge(lhs: unknown, rhs: unknown, shape: Shape, path: string[] = []): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  if (shape.kind === 'map' && isObject(lhs) && isObject(rhs)) {
    const out: Obj = { ...lhs };
    for (const [key, rv] of Object.entries(rhs)) out[key] = merge(lhs[key], rv, fieldShape(shape, key, lhs[key], rv).shape, [...path, `f:${key}`]);
    return out;
  }
  if (shape.kind === 'list' && Array.isArray(lhs) && Array.isArray(rhs)) return mergeItems(lhs, rhs, shape, path);
  return rhs;
}

/**
 * Item order of a merged associative list: walk both lists; shared items come in the applied
 * order, live-only items stay where they were relative to the shared ones.
 */
function mergeItems(lhs: unknown[], rhs: unknown[], shape: Shape, path: string[]): unknown[] {
  const lpe = lhs.map((v) => itemElement(shape, v, path));
  const rpe = rhs.map((v) => itemElement(shape, v, path));
  const lByPe = new Map(lpe.map((pe, i) => [pe, lhs[i]]));
  const rByPe = new Map(rpe.map((pe, i) => [pe, rhs[i]]));
  const shared = rpe.filter((pe) => lByPe.has(pe));
  const done = new Set<string>();
  const out: unknown[] = [];
  const emit = (pe: string): void => {
    if (shared[0] === pe) shared.shift();
    if (done.has(pe)) return;
    done.add(pe);
    const lv = lByPe.get(pe);
    const rv = rByPe.get(pe);
    out.push(merge(lv, rv, itemShape(shape, lv, rv), [...path, pe]));
  };
  let li = 0;
  let ri = 0;
  while (li < lpe.length || ri < rpe.length) {
    if (li < lpe.length && ri < rpe.length) {
      const pe = lpe[li];
      if (pe === rpe[ri]) {
        emit(pe);
        li++;
        ri++;
        continue;
      }
      // A shared item that is not next in the applied order waits for the applied list to reach it.
      if (rByPe.has(pe) && shared.length > 0 && shared[0] !== pe) {
        li++;
        continue;
      }
    }
    if (li < lpe.length) {
      const pe = lpe[li];
      if (!rByPe.has(pe)) {
        out.push(lhs[li]);
        li++;
        continue;
      }
      if (done.has(pe)) {
        li++;
        continue;
      }
    }
    if (ri < rpe.length) emit(rpe[ri++]);
  }
  return out;
}

/**
 * Removes the member paths of `set` from `value` (whole subtrees) and descends into its children.
 * A map-typed or list field left empty by the removal is dropped, as Go's omitempty would.
 */
export function removeItems(value: unknown, set: FieldSet, shape: Shape, path: string[] = []): unknown {
  if (shape.kind === 'map' && isObject(value)) {
    const out: Obj = {};
    for (const [key, child] of Object.entries(value)) {
      const pe = `f:${key}`;
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      if (!sub) {
        out[key] = child;
        continue;
      }
      const pruned = removeItems(child, sub, fieldShape(shape, key, child).shape, [...path, pe]);
      if (!emptiedCollection(shape.node, key, child, pruned)) out[key] = pruned;
    }
    return out;
  }
  if (shape.kind === 'list' && Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const pe = itemElement(shape, item, path);
      if (set.members.has(pe)) continue;
      const sub = set.children.get(pe);
      out.push(sub ? removeItems(item, sub, itemShape(shape, item), [...path, pe]) : item);
    }
    return out;
  }
  return value;
}

function emptiedCollection(node: SchemaNode, key: string, before: unknown, after: unknown): boolean {
  if (Array.isArray(after)) return after.length === 0 && Array.isArray(before) && before.length > 0;
  if (!isObject(after) || Object.keys(after).length > 0 || !isObject(before) || Object.keys(before).length === 0) return false;
  // Structs keep their (now empty) value; maps vanish like an empty Go map under omitempty.
  return !node.model || node.mapOf || fieldKind(node.model, key) !== 'object';
}

/** Adds the declared struct fields on the way to each path as members (EnsureNamedFieldsAreMembers). */
export function ensureNamedFieldsAreMembers(set: FieldSet, node: SchemaNode): FieldSet {
  const out = new FieldSet();
  for (const m of set.members) out.members.add(m);
  for (const [pe, child] of set.children) {
    if (pe.startsWith('f:')) {
      const cs = childSchema(node, pe.slice(2));
      if (cs.declared) out.members.add(pe);
      out.children.set(pe, ensureNamedFieldsAreMembers(child, cs.node));
    } else {
      out.children.set(pe, ensureNamedFieldsAreMembers(child, node));
    }
  }
  return out;
}
