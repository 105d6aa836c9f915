/**
 * PodSpec and PodTemplateSpec validation (the core of pkg/apis/core/validation.ValidatePodSpec):
 * containers, ports, env, mounts, resources, probes, volumes and the pod-level enums.
 */
import type { StatusCause } from '../errors.ts';
import { arr, child, duplicate, forbidden, index, invalid, invalidEach, key, nonNegative, notFoundValue, notSupported, obj, required, str } from './field-errors.ts';
import { validateAnnotations, validateLabels } from './meta.ts';
import { inclusiveRangeError, isDNS1123Label, isDNS1123Subdomain, isEnvVarName, isValidPortName, isValidPortNum } from './names.ts';
import { parseQuantity, QUANTITY_FORMAT_ERROR } from './quantity.ts';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
/** sets.List(supportedPortProtocols): sorted. */
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const TOLERATION_OPERATORS = ['Equal', 'Exists'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
/** Every volume source field of v1.VolumeSource: exactly one must be set. */
const VOLUME_SOURCES = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc', 'azureFile', 'configMap',
  'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi',
  'ephemeral', 'image',
];
const MAX_INT32 = 2147483647;

/** Validates a pod template: its labels/annotations and its spec. */
export function validatePodTemplateSpec(template: unknown, path: string): StatusCause[] {
  if (template === undefined || template === null) return [required(path)];
  const t = obj(template);
  const meta = obj(t.metadata);
  return [
    ...validateLabels(meta.labels, child(path, 'metadata', 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'metadata', 'annotations')),
    ...validatePodSpec(obj(t.spec), child(path, 'spec')),
  ];
}

/** ValidatePodSpec: everything checked for pods and pod templates alike. */
export function validatePodSpec(spec: Record<string, unknown>, path: string): StatusCause[] {
  const volumeNames = new Set<string>();
  const causes = validateVolumes(spec.volumes, child(path, 'volumes'), volumeNames);
  const names = new Set<string>();
  if (arr(spec.containers).length === 0) causes.push(required(child(path, 'containers')));
  causes.push(...validateContainers(spec.containers, child(path, 'containers'), volumeNames, names));
  causes.push(...validateContainers(spec.initContainers, child(path, 'initContainers'), volumeNames, names));
  causes.push(...validateEnum(spec.restartPolicy, child(path, 'restartPolicy'), RESTART_POLICIES));
  causes.push(...validateEnum(spec.dnsPolicy, child(path, 'dnsPolicy'), DNS_POLICIES));
  causes.push(...validateLabels(spec.nodeSelector, child(path, 'nodeSelector')));
  if (str(spec.serviceAccountName)) causes.push(...invalidEach(child(path, 'serviceAccountName'), spec.serviceAccountName, isDNS1123Subdomain(str(spec.serviceAccountName))));
  if (str(spec.nodeName)) causes.push(...invalidEach(child(path, 'nodeName'), spec.nodeName, isDNS1123Subdomain(str(spec.nodeName))));
  if (str(spec.hostname)) causes.push(...invalidEach(child(path, 'hostname'), spec.hostname, isDNS1123Label(str(spec.hostname))));
  if (str(spec.subdomain)) causes.push(...invalidEach(child(path, 'subdomain'), spec.subdomain, isDNS1123Label(str(spec.subdomain))));
  if (typeof spec.activeDeadlineSeconds === 'number' && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > MAX_INT32)) {
    causes.push(invalid(child(path, 'activeDeadlineSeconds'), spec.activeDeadlineSeconds, inclusiveRangeError(1, MAX_INT32)));
  }
  causes.push(...validateTolerations(spec.tolerations, child(path, 'tolerations')));
  return causes;
}

/** Required when empty, else one of the listed values. */
export function validateEnum(value: unknown, path: string, allowed: readonly string[]): StatusCause[] {
  const v = str(value);
  if (!v) return [required(path)];
  return allowed.includes(v) ? [] : [notSupported(path, v, allowed)];
}

function validateVolumes(volumes: unknown, path: string, names: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(volumes).forEach((item, i) => {
    const v = obj(item);
    const p = index(path, i);
    const name = str(v.name);
    if (!name) causes.push(required(child(p, 'name')));
    else causes.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
    if (name && names.has(name)) causes.push(duplicate(child(p, 'name'), name));
    names.add(name);
    const sources = VOLUME_SOURCES.filter((s) => v[s] !== undefined && v[s] !== null);
    if (sources.length === 0) causes.push(required(p, 'must specify a volume type'));
    else if (sources.length > 1) causes.push(forbidden(child(p, sources[1]), 'may not specify more than 1 volume type'));
    causes.push(...validateVolumeSource(v, p));
  });
  return causes;
}

function validateVolumeSource(v: Record<string, unknown>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (v.configMap) {
    if (!str(obj(v.configMap).name)) causes.push(required(child(path, 'configMap', 'name')));
    causes.push(...validateKeyToPath(obj(v.configMap).items, child(path, 'configMap', 'items')));
  }
  if (v.secret) causes.push(...validateKeyToPath(obj(v.secret).items, child(path, 'secret', 'items')));
  if (v.persistentVolumeClaim && !str(obj(v.persistentVolumeClaim).claimName)) causes.push(required(child(path, 'persistentVolumeClaim', 'claimName')));
  if (v.hostPath && !str(obj(v.hostPath).path)) causes.push(required(child(path, 'hostPath', 'path')));
  return causes;
}

function validateKeyToPath(items: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(items).forEach((item, i) => {
    const it = obj(item);
    const p = index(path, i);
    if (!str(it.key)) causes.push(required(child(p, 'key')));
    const target = str(it.path);
    if (!target) causes.push(required(child(p, 'path')));
    else if (target.startsWith('/')) causes.push(invalid(child(p, 'path'), target, 'must be a relative path'));
    else if (target.split('/').includes('..')) causes.push(invalid(child(p, 'path'), target, "must not contain '..'"));
  });
  return causes;
}

function validateContainers(containers: unknown, path: string, volumes: Set<string>, names: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(containers).forEach((item, i) => {
    const c = obj(item);
    const p = index(path, i);
    const name = str(c.name);
    if (!name) causes.push(required(child(p, 'name')));
    else {
      causes.push(...invalidEach(child(p, 'name'), name, isDNS1123Label(name)));
      if (names.has(name)) causes.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    if (!str(c.image)) causes.push(required(child(p, 'image')));
    causes.push(...validatePorts(c.ports, child(p, 'ports')));
    causes.push(...validateEnv(c.env, child(p, 'env')));
    causes.push(...validateMounts(c.volumeMounts, child(p, 'volumeMounts'), volumes));
    causes.push(...validateEnum(c.imagePullPolicy, child(p, 'imagePullPolicy'), PULL_POLICIES));
    causes.push(...validateEnum(c.terminationMessagePolicy, child(p, 'terminationMessagePolicy'), MESSAGE_POLICIES));
    causes.push(...validateResources(c.resources, child(p, 'resources')));
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
      if (c[probe]) causes.push(...validateProbe(obj(c[probe]), child(p, probe), probe !== 'readinessProbe'));
    }
  });
  return causes;
}

function validatePorts(ports: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  arr(ports).forEach((item, i) => {
    const port = obj(item);
    const p = index(path, i);
    const name = str(port.name);
    if (name) {
      const errs = isValidPortName(name);
      if (errs.length) causes.push(...invalidEach(child(p, 'name'), name, errs));
      else if (names.has(name)) causes.push(duplicate(child(p, 'name'), name));
      names.add(name);
    }
    if (!port.containerPort) causes.push(required(child(p, 'containerPort')));
    else causes.push(...invalidEach(child(p, 'containerPort'), port.containerPort, isValidPortNum(Number(port.containerPort))));
    if (port.hostPort) causes.push(...invalidEach(child(p, 'hostPort'), port.hostPort, isValidPortNum(Number(port.hostPort))));
    causes.push(...validateEnum(port.protocol, child(p, 'protocol'), PROTOCOLS));
  });
  return causes;
}

function validateEnv(env: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(env).forEach((item, i) => {
    const e = obj(item);
    const p = index(path, i);
    const name = str(e.name);
    if (!name) causes.push(required(child(p, 'name')));
    else causes.push(...invalidEach(child(p, 'name'), name, isEnvVarName(name)));
    if (e.valueFrom !== undefined) {
      const from = obj(e.valueFrom);
      const kinds = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => from[k]);
      if (str(e.value)) causes.push(invalid(child(p, 'valueFrom'), '', 'may not be specified when `value` is not empty'));
      if (kinds.length === 0) causes.push(invalid(child(p, 'valueFrom'), '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      else if (kinds.length > 1) causes.push(invalid(child(p, 'valueFrom'), '', 'may not have more than one field specified at a time'));
    }
  });
  return causes;
}

function validateMounts(mounts: unknown, path: string, volumes: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const paths = new Set<string>();
  arr(mounts).forEach((item, i) => {
    const m = obj(item);
    const p = index(path, i);
    const name = str(m.name);
    if (!name) causes.push(required(child(p, 'name')));
    else if (!volumes.has(name)) causes.push(notFoundValue(child(p, 'name'), name));
    const mountPath = str(m.mountPath);
    if (!mountPath) causes.push(required(child(p, 'mountPath')));
    else if (paths.has(mountPath)) causes.push(invalid(child(p, 'mountPath'), mountPath, 'must be unique'));
    paths.add(mountPath);
  });
  return causes;
}

/** Requests and limits: well-formed, non-negative, and requests not above limits. */
function validateResources(resources: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const res = obj(resources);
  const limits = obj(res.limits);
  const requests = obj(res.requests);
  for (const [bag, values] of [['limits', limits], ['requests', requests]] as const) {
    for (const [name, q] of Object.entries(values)) {
      const amount = parseQuantity(q);
      const p = key(child(path, bag), name);
      if (amount === undefined) causes.push(invalid(p, String(q), QUANTITY_FORMAT_ERROR));
      else if (amount < 0) causes.push(invalid(p, String(q), 'must be greater than or equal to 0'));
    }
  }
  for (const [name, q] of Object.entries(requests)) {
    if (!(name in limits)) continue;
    const request = parseQuantity(q);
    const limit = parseQuantity(limits[name]);
    if (request === undefined || limit === undefined) continue;
    // IsOvercommitAllowed: native resources other than hugepages; extended resources need request == limit.
    const overcommit = !name.startsWith('hugepages-') && (!name.includes('/') || name.startsWith('kubernetes.io/'));
    const reqPath = key(child(path, 'requests'), name);
    if (!overcommit && request !== limit) causes.push(invalid(reqPath, String(q), `must be equal to ${name} limit of ${String(limits[name])}`));
    else if (request > limit) causes.push(invalid(reqPath, String(q), `must be less than or equal to ${name} limit of ${String(limits[name])}`));
  }
  return causes;
}

function validateProbe(probe: Record<string, unknown>, path: string, successMustBeOne: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => probe[h]);
  if (handlers.length === 0) causes.push(required(path, 'must specify a handler type'));
  else if (handlers.length > 1) causes.push(forbidden(child(path, handlers[1]), 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    causes.push(...nonNegative(child(path, f), probe[f]));
  }
  if (successMustBeOne && typeof probe.successThreshold === 'number' && probe.successThreshold !== 1) {
    causes.push(invalid(child(path, 'successThreshold'), probe.successThreshold, 'must be 1'));
  }
  return causes;
}

function validateTolerations(tolerations: unknown, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(tolerations).forEach((item, i) => {
    const t = obj(item);
    const p = index(path, i);
    const op = str(t.operator) || 'Equal';
    if (!TOLERATION_OPERATORS.includes(op)) causes.push(notSupported(child(p, 'operator'), op, TOLERATION_OPERATORS));
    if (!str(t.key) && op !== 'Exists') causes.push(invalid(child(p, 'operator'), op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    if (op === 'Exists' && str(t.value)) causes.push(invalid(child(p, 'operator'), t.value, 'value must be empty when `operator` is \'Exists\''));
    if (str(t.effect) && !TAINT_EFFECTS.includes(str(t.effect))) causes.push(notSupported(child(p, 'effect'), t.effect, TAINT_EFFECTS));
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && str(t.effect) !== 'NoExecute') {
      causes.push(invalid(child(p, 'effect'), str(t.effect), 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
    }
  });
  return causes;
}
