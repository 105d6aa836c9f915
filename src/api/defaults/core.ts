/**
 * Defaults of core/v1 kinds (pkg/apis/core/v1/defaults.go), plus what the core registry
 * strategies and default admission plugins add when a pod or namespace is created.
 */
import type { KubeObject } from '../object.ts';
import { defaultPodOnly, defaultPodSpec, defaultPodTemplate, ensure, items, setDefault } from './pod-spec.ts';

type Defaulter = (o: KubeObject) => void;

function defaultPod(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  defaultPodOnly(spec);
  defaultPodSpec(spec);
}

/**
 * SetDefaults_Service plus the dual-stack fields the service registry fills in (single-stack IPv4
 * here): sessionAffinity None, type ClusterIP, port protocol TCP, targetPort = port,
 * externalTrafficPolicy Cluster for external types, internalTrafficPolicy Cluster,
 * allocateLoadBalancerNodePorts for LoadBalancers, and the always-present status.loadBalancer.
 */
function defaultService(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'None') delete spec.sessionAffinityConfig;
  if (spec.sessionAffinity === 'ClientIP') {
    const config = ensure(ensure(spec, 'sessionAffinityConfig'), 'clientIP');
    setDefault(config, 'timeoutSeconds', 10800);
  }
  setDefault(spec, 'type', 'ClusterIP');
  for (const port of items(spec.ports)) {
    setDefault(port, 'protocol', 'TCP');
    if (port.targetPort === undefined || port.targetPort === null || port.targetPort === 0 || port.targetPort === '') port.targetPort = port.port;
  }
  const type = spec.type;
  if ((type === 'NodePort' || type === 'LoadBalancer') && !spec.externalTrafficPolicy) spec.externalTrafficPolicy = 'Cluster';
  if (type === 'NodePort' || type === 'LoadBalancer' || type === 'ClusterIP') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (type !== 'ExternalName') {
    setDefault(spec, 'ipFamilyPolicy', 'SingleStack');
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) spec.ipFamilies = ['IPv4'];
  }
  ensure(ensure(o, 'status'), 'loadBalancer');
}

/** SetDefaults_Namespace: the immutable kubernetes.io/metadata.name label; status.phase Active. */
function defaultNamespace(o: KubeObject): void {
  if (o.metadata.name) o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name };
  setDefault(ensure(o, 'status'), 'phase', 'Active');
}

/** SetDefaults_ReplicationController: selector and labels from the template; replicas 1. */
function defaultReplicationController(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  const template = spec.template as Record<string, unknown> | undefined;
  const labels = (template?.metadata as Record<string, unknown> | undefined)?.labels as Record<string, string> | undefined;
  if (labels) {
    if (!spec.selector || Object.keys(spec.selector as object).length === 0) spec.selector = { ...labels };
    if (!o.metadata.labels || Object.keys(o.metadata.labels).length === 0) o.metadata.labels = { ...labels };
  }
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(template);
}

function defaultPersistentVolume(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  if (spec.hostPath) setDefault(spec.hostPath as Record<string, unknown>, 'type', '');
  setDefault(ensure(o, 'status'), 'phase', 'Pending');
}

/** PVC spec (also used for StatefulSet volumeClaimTemplates): volumeMode Filesystem; status Pending. */
export function defaultPersistentVolumeClaim(o: Record<string, unknown>): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'volumeMode', 'Filesystem');
  ensure(spec, 'resources');
  setDefault(ensure(o, 'status'), 'phase', 'Pending');
}

/** SetDefaults_LimitRangeItem: for Container limits, default <- max, defaultRequest <- default <- min. */
function defaultLimitRange(o: KubeObject): void {
  for (const item of items(ensure(o, 'spec').limits)) {
    if (item.type !== 'Container') continue;
    const def = ensure(item, 'default');
    const req = ensure(item, 'defaultRequest');
    for (const [k, v] of Object.entries((item.max as Record<string, unknown>) ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries((item.min as Record<string, unknown>) ?? {})) if (!(k in req)) req[k] = v;
  }
}

function defaultEndpoints(o: KubeObject): void {
  for (const subset of items(o.subsets)) for (const port of items(subset.ports)) setDefault(port, 'protocol', 'TCP');
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
function defaultNode(o: KubeObject): void {
  const status = o.status as Record<string, unknown> | undefined;
  if (status?.capacity && !status.allocatable) status.allocatable = { ...(status.capacity as object) };
}

/** Defaulters keyed by resource (core group). */
export const CORE_DEFAULTS: Record<string, Defaulter> = {
  pods: defaultPod,
  podtemplates: (o) => defaultPodTemplate(o.template),
  services: defaultService,
  namespaces: defaultNamespace,
  replicationcontrollers: defaultReplicationController,
  persistentvolumes: defaultPersistentVolume,
  persistentvolumeclaims: defaultPersistentVolumeClaim,
  secrets: (o) => setDefault(o as Record<string, unknown>, 'type', 'Opaque'),
  limitranges: defaultLimitRange,
  endpoints: defaultEndpoints,
  nodes: defaultNode,
};

/** Tolerations the DefaultTolerationSeconds admission plugin adds (300s for not-ready and unreachable). */
const DEFAULT_TOLERATIONS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

/**
 * Create-time additions to a pod, done in Kubernetes by admission plugins (ServiceAccount,
 * DefaultTolerationSeconds, Priority) and the pod strategy's PrepareForCreate (phase, QoS class).
 */
function createPod(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'serviceAccountName', 'default');
  setDefault(spec, 'serviceAccount', spec.serviceAccountName);
  const tolerations = items(spec.tolerations);
  for (const key of DEFAULT_TOLERATIONS) {
    const covered = tolerations.some((t) => (t.effect === 'NoExecute' || !t.effect) && (t.key === key || (!t.key && t.operator === 'Exists')));
    if (!covered) tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  spec.tolerations = tolerations;
  if (!spec.priorityClassName) setDefault(spec, 'priority', 0);
  setDefault(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  const status = ensure(o, 'status');
  setDefault(status, 'phase', 'Pending');
  status.qosClass = qosClass(spec);
}

/**
 * The pod's QoS class (GetPodQOS): Guaranteed when every container has cpu and memory limits equal
 * to requests, BestEffort when none sets any, Burstable otherwise.
 */
export function qosClass(spec: Record<string, unknown>): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...items(spec.containers), ...items(spec.initContainers)];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const res = (c.resources as Record<string, Record<string, unknown> | undefined> | undefined) ?? {};
    const requests = res.requests ?? {};
    const limits = res.limits ?? {};
    const relevant = (m: Record<string, unknown>) => Object.keys(m).filter((k) => k === 'cpu' || k === 'memory');
    if (relevant(requests).length || relevant(limits).length) anySet = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined) guaranteed = false;
      else if (requests[r] !== undefined && String(requests[r]) !== String(limits[r])) guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** The namespace strategy's PrepareForCreate: the `kubernetes` finalizer; the phase starts Active. */
function createNamespace(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  const finalizers = Array.isArray(spec.finalizers) ? (spec.finalizers as string[]) : [];
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  spec.finalizers = finalizers;
  ensure(o, 'status').phase = 'Active';
}

/** Create-time hooks keyed by resource (core group). */
export const CORE_CREATE: Record<string, Defaulter> = {
  pods: createPod,
  namespaces: createNamespace,
};
