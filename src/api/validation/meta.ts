/**
 * ObjectMeta, label, annotation and label-selector validation (apimachinery's
 * api/validation/objectmeta.go and apis/meta/v1/validation), shared by every resource.
 */
import type { StatusCause } from '../errors.ts';
import { jsonEqual, type ObjectMeta } from '../object.ts';
import { arr, child, duplicate, forbidden, immutable, index, invalid, invalidEach, nonNegative, obj, required, str, tooLong } from './field-errors.ts';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, type NameValidator } from './names.ts';

/** Total size limit of all annotations of one object (256 KiB). */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** ValidateLabels: every key a qualified name, every value a label value; errors sit on the map's path. */
export function validateLabels(labels: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(obj(labels))) {
    causes.push(...invalidEach(path, k, isQualifiedName(k)));
    causes.push(...invalidEach(path, v, isValidLabelValue(str(v))));
  }
  return causes;
}

/** ValidateAnnotations: keys are qualified names (case-insensitive), total size at most 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(obj(annotations))) {
    causes.push(...invalidEach(path, k, isQualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) causes.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return causes;
}

/** Finalizer names are qualified names and unique. */
function validateFinalizers(finalizers: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const seen = new Set<string>();
  arr(finalizers).forEach((f, i) => {
    const name = str(f);
    causes.push(...invalidEach(index(path, i), name, isQualifiedName(name)));
    if (seen.has(name)) causes.push(duplicate(index(path, i), name));
    seen.add(name);
  });
  return causes;
}

/** Owner references need apiVersion, kind, name and uid. */
function validateOwnerReferences(refs: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  let controllers = 0;
  arr(refs).forEach((r) => {
    const ref = obj(r);
    if (!str(ref.apiVersion)) causes.push(invalid(child(path, 'apiVersion'), str(ref.apiVersion), 'version must not be empty'));
    if (!str(ref.kind)) causes.push(invalid(child(path, 'kind'), str(ref.kind), 'kind must not be empty'));
    if (!str(ref.name)) causes.push(invalid(child(path, 'name'), str(ref.name), 'name must not be empty'));
    if (!str(ref.uid)) causes.push(invalid(child(path, 'uid'), str(ref.uid), 'uid must not be empty'));
    if (ref.controller === true) controllers++;
  });
  if (controllers > 1) causes.push(invalid(path, new Array(controllers).fill('controller'), 'Only one reference can have Controller set to true'));
  return causes;
}

/**
 * ValidateObjectMeta: name (or generateName) by the resource's rule, namespace presence by scope,
 * generation, labels, annotations, owner references, finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, nameFn: NameValidator, path = 'metadata'): StatusCause[] {
  const causes: StatusCause[] = [];
  if (meta.generateName) causes.push(...invalidEach(child(path, 'generateName'), meta.generateName, nameFn(meta.generateName, true)));
  if (!meta.name) causes.push(required(child(path, 'name'), 'name or generateName is required'));
  else causes.push(...invalidEach(child(path, 'name'), meta.name, nameFn(meta.name, false)));
  if (namespaced) {
    if (!meta.namespace) causes.push(required(child(path, 'namespace')));
    else causes.push(...invalidEach(child(path, 'namespace'), meta.namespace, isDNS1123Label(meta.namespace)));
  } else if (meta.namespace) {
    causes.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  causes.push(...nonNegative(child(path, 'generation'), meta.generation));
  causes.push(...validateLabels(meta.labels, child(path, 'labels')));
  causes.push(...validateAnnotations(meta.annotations, child(path, 'annotations')));
  causes.push(...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')));
  causes.push(...validateFinalizers(meta.finalizers, child(path, 'finalizers')));
  return causes;
}

/** ValidateObjectMetaUpdate: name, namespace, uid and creationTimestamp never change. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, path = 'metadata'): StatusCause[] {
  const eq = (a: unknown, b: unknown) => (a ?? '') === (b ?? '');
  return [
    ...immutable(child(path, 'name'), meta.name, old.name, eq, meta.name ?? ''),
    ...immutable(child(path, 'namespace'), meta.namespace, old.namespace, eq, meta.namespace ?? ''),
    ...immutable(child(path, 'uid'), meta.uid, old.uid, eq, meta.uid ?? ''),
    ...(old.creationTimestamp && meta.creationTimestamp && meta.creationTimestamp !== old.creationTimestamp
      ? [invalid(child(path, 'creationTimestamp'), meta.creationTimestamp, 'field is immutable')]
      : []),
    ...validateLabels(meta.labels, child(path, 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'annotations')),
    ...validateFinalizers(meta.finalizers, child(path, 'finalizers')),
  ];
}

/** ValidateLabelSelector (strict values): matchLabels as labels, each expression's operator/values/key. */
export function validateLabelSelector(selector: unknown, path: string): StatusCause[] {
  if (selector === undefined || selector === null) return [];
  const sel = obj(selector);
  const causes = validateLabels(sel.matchLabels, child(path, 'matchLabels'));
  arr(sel.matchExpressions).forEach((e, i) => {
    const expr = obj(e);
    const p = index(child(path, 'matchExpressions'), i);
    const values = arr(expr.values);
    const op = str(expr.operator);
    if (op === 'In' || op === 'NotIn') {
      if (values.length === 0) causes.push(required(child(p, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === 'Exists' || op === 'DoesNotExist') {
      if (values.length > 0) causes.push(forbidden(child(p, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      causes.push(invalid(child(p, 'operator'), op, 'not a valid selector operator'));
    }
    causes.push(...invalidEach(child(p, 'key'), str(expr.key), isQualifiedName(str(expr.key))));
    values.forEach((v, j) => causes.push(...invalidEach(index(child(p, 'values'), j), str(v), isValidLabelValue(str(v)))));
  });
  return causes;
}

/** Deep equality used for immutability checks (absent and null are the same). */
export function sameValue(a: unknown, b: unknown): boolean {
  return jsonEqual(a ?? null, b ?? null);
}
