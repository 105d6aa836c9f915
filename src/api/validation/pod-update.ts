/**
 * Pod update rules (ValidatePodUpdate): a pod's spec is immutable except container images,
 * activeDeadlineSeconds (only shortened), added tolerations, and terminationGracePeriodSeconds
 * going from negative to 1.
 */
import type { StatusCause } from '../errors.ts';
import { cloneJson, jsonEqual } from '../object.ts';
import { arr, child, forbidden, index, invalid, obj } from './field-errors.ts';
import { inclusiveRangeError } from './names.ts';

const MAX_INT32 = 2147483647;
const FORBIDDEN_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** The spec-level update checks; metadata and full-spec validation are done by the caller. */
export function validatePodSpecUpdate(spec: Record<string, unknown>, old: Record<string, unknown>): StatusCause[] {
  for (const list of ['containers', 'initContainers']) {
    if (arr(spec[list]).length !== arr(old[list]).length) return [forbidden(child('spec', list), 'pod updates may not add or remove containers')];
  }
  const deadline = checkActiveDeadline(spec.activeDeadlineSeconds, old.activeDeadlineSeconds);
  if (deadline.length) return deadline;
  const causes = checkTolerations(spec.tolerations, old.tolerations);
  const munged = mungeSpec(spec, old);
  if (!jsonEqual(munged, old)) causes.push(forbidden('spec', `${FORBIDDEN_MESSAGE}\n${specDiff(old, munged)}`));
  return causes;
}

function checkActiveDeadline(next: unknown, old: unknown): StatusCause[] {
  const path = 'spec.activeDeadlineSeconds';
  if (typeof next === 'number') {
    if (next < 0 || next > MAX_INT32) return [invalid(path, next, inclusiveRangeError(0, MAX_INT32))];
    if (typeof old === 'number' && old < next) return [invalid(path, next, 'must be less than or equal to previous value')];
    return [];
  }
  return typeof old === 'number' ? [invalid(path, null, 'must not update from a positive integer to nil value')] : [];
}

/** validateOnlyAddedTolerations: every old toleration must still be there (tolerationSeconds may change). */
function checkTolerations(next: unknown, old: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  const strip = (t: unknown) => ({ ...obj(t), tolerationSeconds: undefined });
  arr(old).forEach((o, i) => {
    if (!arr(next).some((n) => jsonEqual(strip(n), strip(o)))) {
      causes.push(forbidden(index('spec.tolerations', i), 'existing toleration can not be modified except its tolerationSeconds'));
    }
  });
  return causes;
}

/** Copies the updatable fields from the old spec, so that any remaining difference is forbidden. */
function mungeSpec(spec: Record<string, unknown>, old: Record<string, unknown>): Record<string, unknown> {
  const munged = cloneJson(spec);
  for (const list of ['containers', 'initContainers']) {
    const oldList = arr(old[list]);
    munged[list] = arr(munged[list]).map((c, i) => ({ ...obj(c), image: obj(oldList[i]).image }));
    if (spec[list] === undefined) delete munged[list];
  }
  munged.activeDeadlineSeconds = old.activeDeadlineSeconds;
  munged.tolerations = old.tolerations;
  munged.schedulingGates = old.schedulingGates;
  const oldGrace = old.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  for (const k of Object.keys(munged)) if (munged[k] === undefined) delete munged[k];
  return munged;
}

/**
 * A short diff of the changed top-level spec fields in the spirit of the cmp.Diff Kubernetes appends
 * (`- old` / `+ new` lines); the exact text of Go's diff is not reproduced.
 */
function specDiff(old: Record<string, unknown>, next: Record<string, unknown>): string {
  const lines = ['  core.PodSpec{'];
  const keys = [...new Set([...Object.keys(old), ...Object.keys(next)])];
  for (const k of keys) {
    if (jsonEqual(old[k], next[k])) continue;
    const field = k.charAt(0).toUpperCase() + k.slice(1);
    if (old[k] !== undefined) lines.push(`- \t${field}: ${JSON.stringify(old[k])},`);
    if (next[k] !== undefined) lines.push(`+ \t${field}: ${JSON.stringify(next[k])},`);
  }
  lines.push('  }');
  return lines.join('\n');
}
