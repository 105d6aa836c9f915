/**
 * metadata.managedFields: which field manager owns which fields, as the apiserver records it on
 * every write (k8s.io/apimachinery/pkg/util/managedfields). Non-apply writes (create, update,
 * patch) are tracked here with `trackUpdate`; server-side apply lives in server-side-apply.ts and
 * shares the ownership bookkeeping below.
 */
import { cloneJson, type KubeObject, type ManagedFieldsEntry } from '../object.ts';
import { FieldSet } from './field-set.ts';
import { fieldKind, modelAttributes } from './patch-meta.ts';
import { compare, isSame, type Comparison } from './typed-ops.ts';
import { rootShape } from './typed-value.ts';

/** One manager's ownership: identity, version, last change time and field set. */
export interface ManagerState {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource?: string;
  time?: string;
  set: FieldSet;
}

/** Managers keyed by identifier (BuildManagerIdentifier). */
export type Managers = Map<string, ManagerState>;

/** Options of a write tracked for field ownership. */
export interface TrackOptions {
  manager: string;
  model: string;
  apiVersion: string;
  now: string;
  subresource?: string;
}

/** Kubernetes keeps at most this many Update managers; older ones merge into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;

/** Fields no manager owns (stripMetaManager): identity and system metadata. */
const STRIPPED: string[][] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', `f:${f}`]),
];

/**
 * The manager identifier: the JSON of the entry without fields, type and time (and without
 * apiVersion for appliers, so an applier keeps one entry across versions).
 */
export function managerId(m: Pick<ManagerState, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = { manager: m.manager, operation: m.operation };
  if (m.operation === 'Update' && m.apiVersion) id.apiVersion = m.apiVersion;
  if (m.subresource) id.subresource = m.subresource;
  return JSON.stringify(id);
}

/** Decodes metadata.managedFields; throws on a malformed entry. */
export function decodeManagedFields(entries: ManagedFieldsEntry[] | undefined): Managers {
  const out: Managers = new Map();
  for (const e of entries ?? []) {
    if (e.operation !== 'Apply' && e.operation !== 'Update') throw new Error(`invalid operation ${String(e.operation)}`);
    const state: ManagerState = { manager: e.manager ?? '', operation: e.operation, apiVersion: e.apiVersion ?? '', set: FieldSet.fromFieldsV1(e.fieldsV1 ?? {}) };
    if (e.subresource) state.subresource = e.subresource;
    if (e.time) state.time = e.time;
    const id = managerId(state);
    const prev = out.get(id);
    out.set(id, prev ? { ...state, set: prev.set.union(state.set) } : state);
  }
  return out;
}

/** Encodes managers as metadata.managedFields, sorted as Kubernetes sorts them. */
export function encodeManagedFields(managers: Managers): ManagedFieldsEntry[] | undefined {
  if (managers.size === 0) return undefined;
  const entries = [...managers.values()].map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
  return entries.sort(compareEntries);
}

/** The order of metadata.managedFields: Apply before Update, then oldest first, then manager, apiVersion, subresource. */
function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return cmp(p.operation, q.operation) || cmp(seconds(p.time), seconds(q.time)) || cmp(p.manager, q.manager) || cmp(p.apiVersion, q.apiVersion) || cmp(p.subresource, q.subresource);
}

function cmp<T extends string | number | undefined>(a: T, b: T): number {
  const x = a ?? '';
  const y = b ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}

function seconds(time: string | undefined): number {
  return time ? Math.floor(Date.parse(time) / 1000) : 0;
}

/**
 * Fields a write through `subresource` may not own (the strategies' reset fields): the main
 * resource does not own status, the status subresource does not own spec.
 */
export function ignoredPrefixes(model: string, subresource: string | undefined): string[][] {
  const has = (field: string): boolean => modelAttributes(model)?.has(field) ?? false;
  if (!subresource) return has('status') && has('spec') ? [['f:status']] : [];
  if (subresource === 'status') return has('spec') ? [['f:spec']] : [];
  return [];
}

/** The object without metadata.managedFields, compared and merged by field ownership. */
export function withoutManagedFields<T extends KubeObject | Record<string, unknown>>(obj: T): T {
  const copy = cloneJson(obj) as T & { metadata?: Record<string, unknown> };
  if (copy.metadata && typeof copy.metadata === 'object') delete copy.metadata.managedFields;
  return copy;
}

/** `obj` without metadata.managedFields, sharing everything else with it: for read-only comparisons. */
function managedFieldsHidden(obj: KubeObject): KubeObject {
  const { managedFields: _hidden, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

/** What a write changes, without the fields its (sub)resource may not own. */
function ownershipComparison(oldObj: unknown, newObj: unknown, model: string, subresource: string | undefined): Comparison {
  const ignored = ignoredPrefixes(model, subresource);
  const raw = compare(oldObj, newObj, rootShape(model));
  return {
    added: raw.added.withoutPrefixes(ignored),
    modified: raw.modified.withoutPrefixes(ignored),
    removed: raw.removed.withoutPrefixes(ignored),
  };
}

/**
 * The ownership step of every write (structured-merge-diff Updater.update): fields the write
 * added or changed are taken from every other manager, or reported as conflicts when `force` is
 * false; removed fields are dropped from everyone. Returns the conflicts per manager identifier.
 */
export function transferOwnership(
  managers: Managers,
  oldObj: unknown,
  newObj: unknown,
  opts: { self: string; model: string; subresource?: string; force: boolean },
): { comparison: Comparison; conflicts: Map<string, FieldSet> } {
  const comparison = ownershipComparison(oldObj, newObj, opts.model, opts.subresource);
  const changed = comparison.modified.union(comparison.added);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, m] of managers) {
    if (id === opts.self) continue;
    const conflict = m.set.intersection(changed);
    if (!conflict.isEmpty()) conflicts.set(id, conflict);
  }
  if (!opts.force && conflicts.size > 0) return { comparison, conflicts };
  for (const [id, m] of managers) {
    if (id === opts.self) continue;
    m.set = m.set.difference(changed).difference(comparison.removed);
    if (m.set.isEmpty()) managers.delete(id);
  }
  return { comparison, conflicts };
}

/** Removes identity and system metadata from a manager's set; drops the manager if nothing is left. */
export function stripMeta(managers: Managers, id: string): void {
  const m = managers.get(id);
  if (!m) return;
  m.set = m.set.difference(stripSet());
  if (m.set.isEmpty()) managers.delete(id);
}

function stripSet(): FieldSet {
  const set = new FieldSet();
  for (const path of STRIPPED) set.insert(path);
  return set;
}

/** Keeps at most MAX_UPDATE_MANAGERS Update entries, folding the oldest into "ancient-changes". */
export function capUpdateManagers(managers: Managers): void {
  const updaters = [...managers].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  let length = updaters.length;
  const firstByVersion = new Map<string, string>();
  for (const [id, m] of updaters) {
    if (length <= MAX_UPDATE_MANAGERS) break;
    const bucket = managerId({ manager: 'ancient-changes', operation: 'Update', apiVersion: m.apiVersion });
    const first = firstByVersion.get(m.apiVersion);
    if (!first) {
      firstByVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managers.has(bucket)) {
      const firstState = managers.get(first)!;
      managers.delete(first);
      managers.set(bucket, { ...firstState, manager: 'ancient-changes', subresource: undefined });
    }
    const b = managers.get(bucket)!;
    b.set = m.set.union(b.set);
    b.time = m.time;
    managers.delete(id);
    length--;
  }
}

/**
 * Records a non-apply write: the fields that `newObj` adds or changes relative to `oldObj` (all
 * of them on create) become owned by `opts.manager` under operation Update, and leave every other
 * manager's set; fields removed leave everyone's set. One entry per manager, operation, apiVersion
 * and subresource; its time is set to `opts.now` when the write changed fields it owns.
 *
 * As the apiserver does: a request carrying `managedFields: []` resets ownership, a request
 * carrying other managedFields replaces them (main resource only), and an existing object without
 * managedFields is not tracked. Returns a new object with its own top level and metadata; the
 * values below those are shared with `newObj` (no deep copy on every write). The inputs are not modified.
 */
export function trackUpdate(oldObj: KubeObject | undefined, newObj: KubeObject, opts: TrackOptions): KubeObject {
  // Rest properties rather than `delete`, which would turn the new metadata into a slow dictionary object.
  const { managedFields: requested, ...metadata } = newObj.metadata;
  const result: KubeObject = { ...newObj, metadata };
  // The live entries carried over as they are (the request sent none): try the cheap path before decoding them.
  if (oldObj && requested !== undefined && requested === oldObj.metadata.managedFields) {
    const kept = ownershipKept(oldObj, result, opts);
    if (kept) {
      result.metadata.managedFields = kept;
      return result;
    }
  }
  let managers: Managers;
  try {
    managers = liveOrRequested(oldObj, requested, opts.subresource);
  } catch {
    managers = new Map();
  }
  // An object that exists without managedFields stays untracked (skipNonAppliedManager).
  if (managers.size === 0 && oldObj) return result;
  // The comparison only reads both sides, so views without managedFields do instead of copies.
  recordUpdate(managers, oldObj ? managedFieldsHidden(oldObj) : zeroObject(opts.model), result, opts);
  capUpdateManagers(managers);
  const encoded = encodeManagedFields(managers);
  if (encoded) result.metadata.managedFields = encoded;
  return result;
}

/**
 * The cheap path of the most common update: the writer changes only fields it already owns (a
 * controller or client updating the same fields again) and removes none. The generic bookkeeping
 * would then end where it started, except for the writer's timestamp, so the live entries are
 * kept as they are (no decoding or encoding of field sets) with that one time updated, and sorted
 * again (the order depends on times). Undefined when the write does anything else.
 */
function ownershipKept(oldObj: KubeObject, newObj: KubeObject, opts: TrackOptions): ManagedFieldsEntry[] | undefined {
  const entries = oldObj.metadata.managedFields;
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > MAX_UPDATE_MANAGERS) return undefined;
  // The writer's entry: the same identifier (managerId) as its Update, compared field by field.
  const mine = entries.findIndex((e) => e.operation === 'Update' && (e.manager ?? '') === opts.manager && (e.apiVersion || '') === (opts.apiVersion || '') && (e.subresource || '') === (opts.subresource || ''));
  if (mine < 0) return undefined;
  const comparison = ownershipComparison(managedFieldsHidden(oldObj), newObj, opts.model, opts.subresource);
  // Removing a field nobody owns (metadata.resourceVersion, which every update drops) changes no ownership.
  for (const path of comparison.removed.paths()) for (const e of entries) if (ownsPath(e.fieldsV1, path)) return undefined;
  const changed = comparison.modified.union(comparison.added);
  if (changed.isEmpty()) return entries;
  for (const path of changed.paths()) {
    // Each changed field must be the writer's already and nobody else's (no ownership moves).
    for (let i = 0; i < entries.length; i++) if (ownsPath(entries[i].fieldsV1, path) !== (i === mine)) return undefined;
  }
  const out = entries.slice();
  out[mine] = { ...entries[mine], time: opts.now };
  return out.sort(compareEntries);
}

/** Whether FieldsV1 `fields` has `path` as a member (as FieldSet.fromFieldsV1 reads it). */
function ownsPath(fields: unknown, path: readonly string[]): boolean {
  let node = fields;
  for (const pe of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
    node = (node as Record<string, unknown>)[pe];
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 0 || keys.includes('.');
}

function liveOrRequested(oldObj: KubeObject | undefined, requested: ManagedFieldsEntry[] | undefined, subresource: string | undefined): Managers {
  if (subresource) return decodeManagedFields(oldObj?.metadata?.managedFields);
  if (Array.isArray(requested) && isReset(requested)) return new Map();
  if (Array.isArray(requested) && requested.length > 0) {
    try {
      const decoded = decodeManagedFields(requested);
      if (decoded.size > 0) return decoded;
    } catch {
      // Fall back to the live object's ownership, as the apiserver does for an undecodable request.
    }
  }
  return decodeManagedFields(oldObj?.metadata?.managedFields);
}

function isReset(entries: ManagedFieldsEntry[]): boolean {
  if (entries.length === 0) return true;
  return entries.length === 1 && Object.keys(entries[0]).length === 0;
}

/**
 * The Update bookkeeping shared with apply's "before-first-apply" step: the changed fields go to
 * the manager's Update entry (merged with what it owned before).
 */
export function recordUpdate(managers: Managers, oldObj: unknown, newObj: unknown, opts: TrackOptions): void {
  const id = managerId({ manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const current = '\u0000current-operation';
  const { comparison } = transferOwnership(managers, oldObj, newObj, { self: current, model: opts.model, subresource: opts.subresource, force: true });
  if (isSame(comparison)) return;
  const state: ManagerState = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, set: comparison.modified.union(comparison.added) };
  if (opts.subresource) state.subresource = opts.subresource;
  managers.set(current, state);
  stripMeta(managers, current);
  const changed = managers.get(current);
  managers.delete(current);
  if (!changed) return;
  const previous = managers.get(id);
  managers.set(id, { ...changed, set: previous ? changed.set.union(previous.set) : changed.set, time: opts.now });
}

/**
 * The JSON of a freshly created Go object of the kind: the structs that are never omitted
 * (metadata, spec, status, and spec.template / strategies) are present and empty, so a create
 * records them as changed rather than added, as Kubernetes does.
 */
export function zeroObject(model: string): Record<string, unknown> {
  return zeroStruct(model, 0);
}

const ALWAYS_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy']);
/** Lists without omitempty encode as null in a zero object (PodSpec.containers). */
const NULL_WHEN_ZERO = new Set(['containers']);

function zeroStruct(model: string, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > 3) return out;
  for (const [field, attr] of modelAttributes(model) ?? []) {
    if (NULL_WHEN_ZERO.has(field) && fieldKind(model, field) === 'list') out[field] = null;
    if (!ALWAYS_PRESENT.has(field) || fieldKind(model, field) !== 'object') continue;
    out[field] = zeroStruct(attr.type, depth + 1);
  }
  return out;
}
