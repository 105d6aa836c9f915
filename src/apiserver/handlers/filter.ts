import type { KubeObject } from '../../api/object.ts';
import type { ResourceInfo } from '../../api/registry.ts';
import { matchesLabels, parseLabelSelector } from '../../api/selectors/labels.ts';
import { matchesFields, objectFields, parseFieldSelector } from '../../api/selectors/fields.ts';

/** Decides whether an object is in a list or watch: namespace, label selector and field selector. */
export type ObjectPredicate = (object: KubeObject) => boolean;

/**
 * The predicate of a request without selectors. Callers compare against it to skip the test: the
 * watch cache parses an object only when asked for it, and a list of 60,000 pods would parse them all.
 */
export const MATCH_ALL: ObjectPredicate = () => true;

/**
 * Builds the predicate of a list or watch request. Selectors are parsed up front, so a malformed
 * or unsupported selector answers 400 before anything is read.
 */
export function predicateFor(info: ResourceInfo, query: URLSearchParams, name?: string): ObjectPredicate {
  const labelText = query.get('labelSelector') ?? '';
  let fieldText = query.get('fieldSelector') ?? '';
  // A watch on one named object is a watch with a metadata.name field selector (Kubernetes does the same).
  if (name) fieldText = fieldText ? `${fieldText},metadata.name=${name}` : `metadata.name=${name}`;
  const labels = labelText ? parseLabelSelector(labelText) : undefined;
  const fields = fieldText ? parseFieldSelector(fieldText, info) : undefined;
  if (!labels && !fields) return MATCH_ALL;
  return (object) => {
    if (labels && !matchesLabels(labels, object.metadata.labels ?? {})) return false;
    if (fields && !matchesFields(fields, objectFields(info, object))) return false;
    return true;
  };
}

/** Whether the request filters at all (Kubernetes omits remainingItemCount for filtered lists). */
export function hasSelectors(query: URLSearchParams): boolean {
  return Boolean(query.get('labelSelector') || query.get('fieldSelector'));
}
