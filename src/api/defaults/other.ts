/**
 * Defaults of the smaller groups: networking, discovery, autoscaling, scheduling, storage, RBAC,
 * apiextensions (each group's v1/defaults.go).
 */
import type { KubeObject } from '../object.ts';
import { ensure, items, setDefault } from './pod-spec.ts';

type Defaulter = (o: KubeObject) => void;

/** NetworkPolicy: rule port protocol TCP; policyTypes [Ingress] plus Egress when egress rules exist. */
function defaultNetworkPolicy(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  for (const dir of ['ingress', 'egress']) for (const rule of items(spec[dir])) for (const port of items(rule.ports)) setDefault(port, 'protocol', 'TCP');
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    spec.policyTypes = items(spec.egress).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
}

/** EndpointSlice ports: protocol TCP, name "". */
function defaultEndpointSlice(o: KubeObject): void {
  for (const port of items(o.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.name === undefined || port.name === null) port.name = '';
  }
}

/** HPA v2: minReplicas 1 and, without metrics, a CPU utilisation target of 80%. */
function defaultHpaV2(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'minReplicas', 1);
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
}

/** RBAC: subjects' apiGroup by kind, roleRef.apiGroup rbac.authorization.k8s.io. */
function defaultBinding(o: KubeObject): void {
  const ref = ensure(o, 'roleRef');
  setDefault(ref, 'apiGroup', 'rbac.authorization.k8s.io');
  for (const subject of items(o.subjects)) {
    if (subject.apiGroup) continue;
    if (subject.kind === 'ServiceAccount') subject.apiGroup = '';
    else if (subject.kind === 'User' || subject.kind === 'Group') subject.apiGroup = 'rbac.authorization.k8s.io';
  }
}

function defaultStorageClass(o: KubeObject): void {
  setDefault(o as Record<string, unknown>, 'reclaimPolicy', 'Delete');
  setDefault(o as Record<string, unknown>, 'volumeBindingMode', 'Immediate');
}

function defaultCrd(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(ensure(spec, 'conversion'), 'strategy', 'None');
  const names = ensure(spec, 'names');
  if (typeof names.kind === 'string') setDefault(names, 'listKind', `${names.kind}List`);
  if (typeof names.kind === 'string') setDefault(names, 'singular', names.kind.toLowerCase());
}

/** Defaulters keyed by `group/version/resource` (HPA defaults differ between v1 and v2). */
export const OTHER_DEFAULTS: Record<string, Defaulter> = {
  'networking.k8s.io/v1/networkpolicies': defaultNetworkPolicy,
  'discovery.k8s.io/v1/endpointslices': defaultEndpointSlice,
  'autoscaling/v2/horizontalpodautoscalers': defaultHpaV2,
  'autoscaling/v1/horizontalpodautoscalers': (o) => setDefault(ensure(o, 'spec'), 'minReplicas', 1),
  'scheduling.k8s.io/v1/priorityclasses': (o) => setDefault(o as Record<string, unknown>, 'preemptionPolicy', 'PreemptLowerPriority'),
  'storage.k8s.io/v1/storageclasses': defaultStorageClass,
  'rbac.authorization.k8s.io/v1/rolebindings': defaultBinding,
  'rbac.authorization.k8s.io/v1/clusterrolebindings': defaultBinding,
  'apiextensions.k8s.io/v1/customresourcedefinitions': defaultCrd,
};
