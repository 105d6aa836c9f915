/**
 * Server-side apply (`application/apply-patch+yaml`): the applied configuration is merged into the
 * live object by the list and map types of the schema, the applier's field set becomes exactly
 * the fields it applied, fields it applied before and no longer applies are removed when no other
 * manager owns them, and changing a field another manager owns is a conflict unless forced
 * (sigs.k8s.io/structured-merge-diff merge.Updater.Apply, as wrapped by the apiserver).
 */
import { badRequest, StatusError, type StatusCause } from '../errors.ts';
import { cloneJson, type KubeObject } from '../object.ts';
import { FieldSet, pathToString } from './field-set.ts';
import {
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  ignoredPrefixes,
  managerId,
  recordUpdate,
  stripMeta,
  transferOwnership,
  withoutManagedFields,
  type Managers,
} from './managed-fields.ts';
import { ensureNamedFieldsAreMembers, isSame, merge, removeItems, toFieldSet } from './typed-ops.ts';
import { isObject, rootShape } from './typed-value.ts';

/** Options of one apply request. */
export interface ApplyOptions {
  manager: string;
  force: boolean;
  model: string;
  apiVersion: string;
  now: string;
  subresource?: string;
}

/** The manager Kubernetes credits with the fields of an object first applied to without managedFields. */
export const BEFORE_FIRST_APPLY = 'before-first-apply';

/**
 * Applies `applied` to `live` (undefined when the object does not exist yet) for field manager
 * `opts.manager` and returns the new object with metadata.managedFields updated (operation Apply).
 *
 * Throws StatusError 409 Conflict, with one cause per conflicting field, when the configuration
 * changes fields owned by other managers and `opts.force` is false; with force, ownership moves
 * to the applier. Throws 400 when the configuration carries metadata.managedFields.
 */
export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): KubeObject {
  if (applied.metadata?.managedFields !== undefined && applied.metadata.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  let managers: Managers;
  try {
    managers = decodeManagedFields(live?.metadata?.managedFields);
  } catch (err) {
    throw new StatusError(500, 'InternalError', `Internal error occurred: failed to decode managed fields: ${(err as Error).message}`);
  }
  const liveObj = live ? withoutManagedFields(live) : {};
  if (managers.size === 0 && live) {
    // The fields the object already has are credited to a stand-in manager, so that applying over
    // them is a conflict like any other (skipNonAppliedManager upstream).
    recordUpdate(managers, {}, liveObj, { manager: BEFORE_FIRST_APPLY, model: opts.model, apiVersion: opts.apiVersion, now: opts.now, subresource: opts.subresource });
  }
  const config = dropNulls(cloneJson(applied)) as Record<string, unknown>;
  const shape = rootShape(opts.model);
  const id = managerId({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const lastSet = managers.get(id)?.set;
  const appliedSet = toFieldSet(config, shape).withoutPrefixes(ignoredPrefixes(opts.model, opts.subresource));
  const previous = managers.get(id);
  managers.set(id, { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource, time: previous?.time, set: appliedSet });
  const merged = merge(liveObj, config, shape);
  const pruned = lastSet ? prune(merged, managers, lastSet, opts.model) : merged;
  const { comparison, conflicts } = transferOwnership(managers, liveObj, pruned, { self: id, model: opts.model, subresource: opts.subresource, force: opts.force });
  if (conflicts.size > 0 && !opts.force) throw conflictError(conflicts, managers);
  const changed = !isSame(comparison);
  stripMeta(managers, id);
  const mine = managers.get(id);
  if (mine && (changed || !mine.time)) mine.time = opts.now;
  capUpdateManagers(managers);
  const result = (changed ? pruned : liveObj) as KubeObject;
  result.metadata ??= {};
  const encoded = encodeManagedFields(managers);
  if (encoded) result.metadata.managedFields = encoded;
  else delete result.metadata.managedFields;
  return result;
}

/**
 * Removes what the applier owned last time and no longer applies, unless another manager (or the
 * new configuration) still owns it; fields nobody ever owned (defaults) stay.
 */
function prune(merged: unknown, managers: Managers, lastSet: FieldSet, model: string): unknown {
  const shape = rootShape(model);
  const node = shape.node;
  const ensure = (s: FieldSet): FieldSet => ensureNamedFieldsAreMembers(s, node);
  const last = ensure(lastSet);
  const withoutLast = removeItems(merged, last, shape);
  let owned = new FieldSet();
  for (const m of managers.values()) owned = owned.union(m.set);
  const mergedSet = ensure(toFieldSet(merged, shape));
  const ownedOnly = removeItems(merged, mergedSet.difference(ensure(toFieldSet(withoutLast, shape)).union(ensure(owned))), shape);
  // Only fields the applier owned before may go: put back anything else removed above.
  return removeItems(merged, mergedSet.difference(ensure(toFieldSet(ownedOnly, shape))).intersection(last), shape);
}

/** 409 with Kubernetes' message and one cause per conflicting field. */
function conflictError(conflicts: Map<string, FieldSet>, managers: Managers): StatusError {
  const ids = [...conflicts.keys()].sort();
  const list: { id: string; path: string }[] = [];
  for (const id of ids) for (const p of conflicts.get(id)!.paths()) list.push({ id, path: pathToString(p) });
  const causes: StatusCause[] = list.map(({ id, path }) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(id, managers)}`, field: path }));
  let message: string;
  if (list.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(list[0].id, managers)}: ${list[0].path}`;
  } else {
    const lines: string[] = [];
    for (const id of ids) {
      lines.push(`conflicts with ${printManager(id, managers)}:`);
      for (const c of list.filter((x) => x.id === id)) lines.push(`- ${c.path}`);
    }
    message = `Apply failed with ${list.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, { causes });
}

/** `"kubectl" with subresource "status" using v1`: the identifier carries no time, so none is printed. */
function printManager(id: string, managers: Managers): string {
  const m = managers.get(id);
  if (!m) return JSON.stringify(id);
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}

/** Nulls in an applied configuration set nothing; drop them (and empty the way typed decoding does). */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (!isObject(value)) return value;
  for (const [k, v] of Object.entries(value)) {
    if (v === null) delete value[k];
    else value[k] = dropNulls(v);
  }
  return value;
}
