/**
 * Validation for the remaining groups, covering the rules users meet in practice: Ingress paths,
 * HPA bounds, RBAC role references and rules, PodDisruptionBudget, CRD names.
 */
import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { arr, child, GoLiteral, index, invalid, notSupported, obj, required, str } from './field-errors.ts';
import { sameValue, validateLabelSelector } from './meta.ts';

type Check = (o: KubeObject) => StatusCause[];
type UpdateCheck = (o: KubeObject, old: KubeObject) => StatusCause[];
const spec = (o: KubeObject) => obj(o.spec);

function validateIngress(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes: StatusCause[] = [];
  const rules = arr(s.rules);
  if (!s.defaultBackend && rules.length === 0) causes.push(invalid('spec', new GoLiteral('networking.IngressSpec{...}'), 'either `defaultBackend` or `rules` must be specified'));
  rules.forEach((r, i) => {
    const paths = arr(obj(obj(r).http).paths);
    paths.forEach((p, j) => {
      const path = obj(p);
      const at = index(child(index('spec.rules', i), 'http', 'paths'), j);
      const type = str(path.pathType);
      if (!type) causes.push(required(child(at, 'pathType'), 'pathType must be specified'));
      else if (!['Exact', 'ImplementationSpecific', 'Prefix'].includes(type)) causes.push(notSupported(child(at, 'pathType'), type, ['Exact', 'ImplementationSpecific', 'Prefix']));
      if ((type === 'Exact' || type === 'Prefix') && !str(path.path).startsWith('/')) causes.push(invalid(child(at, 'path'), str(path.path), 'must be an absolute path'));
      const backend = obj(path.backend);
      if (!backend.service && !backend.resource) causes.push(invalid(child(at, 'backend'), new GoLiteral('networking.IngressBackend{...}'), 'one backend must be specified'));
    });
  });
  return causes;
}

function validateHpa(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes: StatusCause[] = [];
  const ref = obj(s.scaleTargetRef);
  if (!str(ref.kind)) causes.push(required('spec.scaleTargetRef.kind'));
  if (!str(ref.name)) causes.push(required('spec.scaleTargetRef.name'));
  const min = s.minReplicas;
  const max = Number(s.maxReplicas ?? 0);
  if (typeof min === 'number' && min < 1) causes.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) causes.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  else if (typeof min === 'number' && max < min) causes.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  return causes;
}

function validatePdb(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = validateLabelSelector(s.selector, 'spec.selector');
  if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) {
    causes.push(invalid('spec', new GoLiteral('policy.PodDisruptionBudgetSpec{...}'), 'minAvailable and maxUnavailable cannot be both set'));
  }
  return causes;
}

function validateRules(rules: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(rules).forEach((r, i) => {
    const rule = obj(r);
    const at = index('rules', i);
    if (arr(rule.verbs).length === 0) causes.push(required(child(at, 'verbs'), 'verbs must contain at least one value'));
    if (arr(rule.nonResourceURLs).length === 0 && arr(rule.resources).length === 0 && arr(rule.apiGroups).length === 0) {
      causes.push(required(child(at, 'apiGroups'), 'resource rules must supply at least one api group'));
    } else if (arr(rule.nonResourceURLs).length === 0 && arr(rule.resources).length === 0) {
      causes.push(required(child(at, 'resources'), 'resource rules must supply at least one resource'));
    }
  });
  return causes;
}

function validateBinding(o: KubeObject, clusterOnly: boolean): StatusCause[] {
  const ref = obj(o.roleRef);
  const causes: StatusCause[] = [];
  const kinds = clusterOnly ? ['ClusterRole'] : ['Role', 'ClusterRole'];
  if (!kinds.includes(str(ref.kind))) causes.push(notSupported('roleRef.kind', str(ref.kind), kinds));
  if (str(ref.apiGroup) !== 'rbac.authorization.k8s.io') causes.push(notSupported('roleRef.apiGroup', str(ref.apiGroup), ['rbac.authorization.k8s.io']));
  if (!str(ref.name)) causes.push(required('roleRef.name'));
  arr(o.subjects).forEach((s, i) => {
    const subject = obj(s);
    const at = index('subjects', i);
    if (!str(subject.name)) causes.push(required(child(at, 'name')));
    const kind = str(subject.kind);
    if (!['ServiceAccount', 'User', 'Group'].includes(kind)) causes.push(notSupported(child(at, 'kind'), kind, ['ServiceAccount', 'User', 'Group']));
    if (kind === 'ServiceAccount' && clusterOnly && !str(subject.namespace)) causes.push(required(child(at, 'namespace')));
  });
  return causes;
}

/** A binding's roleRef cannot change (delete and recreate the binding instead). */
function roleRefUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  if (sameValue(o.roleRef, old.roleRef)) return [];
  const ref = obj(o.roleRef);
  return [invalid('roleRef', new GoLiteral(`rbac.RoleRef{APIGroup:${JSON.stringify(str(ref.apiGroup))}, Kind:${JSON.stringify(str(ref.kind))}, Name:${JSON.stringify(str(ref.name))}}`), 'cannot change roleRef')];
}

/** A CRD is named `<plural>.<group>`. */
function validateCrd(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const expected = `${str(obj(s.names).plural)}.${str(s.group)}`;
  return o.metadata.name === expected ? [] : [invalid('metadata.name', o.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group')];
}

/** Checks keyed by `group/resource`. */
export const otherCreate: Record<string, Check> = {
  'networking.k8s.io/ingresses': validateIngress,
  'autoscaling/horizontalpodautoscalers': validateHpa,
  'policy/poddisruptionbudgets': validatePdb,
  'rbac.authorization.k8s.io/roles': (o) => validateRules(o.rules),
  'rbac.authorization.k8s.io/clusterroles': (o) => validateRules(o.rules),
  'rbac.authorization.k8s.io/rolebindings': (o) => validateBinding(o, false),
  'rbac.authorization.k8s.io/clusterrolebindings': (o) => validateBinding(o, true),
  'apiextensions.k8s.io/customresourcedefinitions': validateCrd,
};

export const otherUpdate: Record<string, UpdateCheck> = {
  'networking.k8s.io/ingresses': validateIngress,
  'autoscaling/horizontalpodautoscalers': validateHpa,
  'policy/poddisruptionbudgets': validatePdb,
  'rbac.authorization.k8s.io/roles': (o) => validateRules(o.rules),
  'rbac.authorization.k8s.io/clusterroles': (o) => validateRules(o.rules),
  'rbac.authorization.k8s.io/rolebindings': (o, old) => [...validateBinding(o, false), ...roleRefUpdate(o, old)],
  'rbac.authorization.k8s.io/clusterrolebindings': (o, old) => [...validateBinding(o, true), ...roleRefUpdate(o, old)],
  'apiextensions.k8s.io/customresourcedefinitions': validateCrd,
};
