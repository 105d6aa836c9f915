/**
 * Validation entry points the API server calls on every create and update. Each returns the
 * field-level causes of a 422 Invalid (empty when the object is valid), worded as Kubernetes words
 * them; the caller wraps them with `invalid()` from errors.ts.
 */
import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import type { ResourceInfo } from '../registry.ts';
import { appsCreate, appsUpdate } from './apps.ts';
import { batchCreate, batchUpdate } from './batch.ts';
import { coreCreate, coreUpdate } from './core.ts';
import { validateObjectMeta, validateObjectMetaUpdate } from './meta.ts';
import { nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, type NameValidator } from './names.ts';
import { otherCreate, otherUpdate } from './other.ts';

/**
 * The name rule of each resource. Most use DNS-1123 subdomains; namespaces and StatefulSets DNS
 * labels (their names become DNS labels); Services DNS-1035 labels; RBAC objects only need to be a
 * valid path segment (`system:controller:foo` is fine).
 */
export function nameValidatorFor(info: Pick<ResourceInfo, 'group' | 'resource'>): NameValidator {
  if (info.group === '' && info.resource === 'namespaces') return nameIsDNSLabel;
  if (info.group === '' && info.resource === 'services') return nameIsDNS1035Label;
  if (info.group === 'apps' && info.resource === 'statefulsets') return nameIsDNSLabel;
  if (info.group === 'rbac.authorization.k8s.io') return nameIsPathSegment;
  return nameIsDNSSubdomain;
}

function groupChecks<T>(info: ResourceInfo, core: Record<string, T>, apps: Record<string, T>, batch: Record<string, T>, other: Record<string, T>): T | undefined {
  switch (info.group) {
    case '': return core[info.resource];
    case 'apps': return apps[info.resource];
    case 'batch': return batch[info.resource];
    default: return other[`${info.group}/${info.resource}`];
  }
}

/** Validates a new object (after defaulting): metadata by the resource's rules, then its kind's checks. */
export function validateCreate(info: ResourceInfo, obj: KubeObject): StatusCause[] {
  const causes = validateObjectMeta(obj.metadata, info.namespaced, nameValidatorFor(info));
  const check = groupChecks(info, coreCreate, appsCreate, batchCreate, otherCreate);
  if (check) causes.push(...check(obj));
  return causes;
}

/**
 * Validates an update of `old` to `obj` (both defaulted): immutable metadata, the kind's checks on
 * the new object, and the kind's immutability rules (selectors, pod spec, clusterIP, ...).
 */
export function validateUpdate(info: ResourceInfo, obj: KubeObject, old: KubeObject): StatusCause[] {
  const causes = validateObjectMetaUpdate(obj.metadata, old.metadata);
  const check = groupChecks(info, coreUpdate, appsUpdate, batchUpdate, otherUpdate);
  if (check) causes.push(...check(obj, old));
  return causes;
}
