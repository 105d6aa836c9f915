/**
 * Validation of core/v1 kinds beyond ObjectMeta (pkg/apis/core/validation): Pod, Service, ConfigMap,
 * Secret, Namespace, PersistentVolume(Claim), ReplicationController.
 */
import type { StatusCause } from '../errors.ts';
import type { KubeObject } from '../object.ts';
import { matchesLabels, selectorFromLabelSelector } from '../selectors/labels.ts';
import { arr, child, duplicate, forbidden, GoLiteral, goStringMap, immutable, index, invalid, invalidEach, key, nonNegative, notSupported, obj, required, str, tooLong } from './field-errors.ts';
import { sameValue, validateLabels } from './meta.ts';
import { isConfigMapKey, isDNS1123Label, isDNS1123Subdomain, isIP, isValidPortName, isValidPortNum } from './names.ts';
import { validateEnum, validatePodSpec, validatePodTemplateSpec } from './pod-spec.ts';
import { validatePodSpecUpdate } from './pod-update.ts';
import { parseQuantity } from './quantity.ts';

/** core.MaxSecretSize: the data limit of a Secret or ConfigMap (1 MiB). */
const MAX_DATA_SIZE = 1024 * 1024;
const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const IMMUTABLE_WHEN_SET = 'field is immutable when `immutable` is set';

type Check = (o: KubeObject) => StatusCause[];
type UpdateCheck = (o: KubeObject, old: KubeObject) => StatusCause[];
const spec = (o: KubeObject) => obj(o.spec);

export const coreCreate: Record<string, Check> = {
  pods: (o) => validatePodSpec(spec(o), 'spec'),
  services: validateService,
  configmaps: validateConfigMap,
  secrets: validateSecret,
  namespaces: (o) => validateNamespaceFinalizers(o),
  persistentvolumeclaims: (o) => validatePvcSpec(spec(o), 'spec'),
  persistentvolumes: validatePv,
  replicationcontrollers: validateRc,
};

export const coreUpdate: Record<string, UpdateCheck> = {
  pods: (o, old) => [...validatePodSpec(spec(o), 'spec'), ...validatePodSpecUpdate(spec(o), spec(old))],
  services: (o, old) => [...validateService(o), ...validateServiceUpdate(o, old)],
  configmaps: (o, old) => [...immutableData(o, old, ['data', 'binaryData']), ...validateConfigMap(o)],
  secrets: (o, old) => [...immutable('type', o.type, old.type, sameValue), ...immutableData(o, old, ['data']), ...validateSecret(o)],
  namespaces: (o) => validateNamespaceFinalizers(o),
  persistentvolumeclaims: validatePvcUpdate,
  persistentvolumes: validatePv,
  replicationcontrollers: validateRc,
};

function validateService(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const type = str(s.type);
  const causes = validateEnum(s.type, 'spec.type', SERVICE_TYPES);
  const headless = s.clusterIP === 'None';
  const ports = arr(s.ports);
  if (ports.length === 0 && !headless && type !== 'ExternalName') causes.push(required('spec.ports'));
  if (type === 'ExternalName') {
    const name = str(s.externalName).replace(/\.$/, '');
    if (!name) causes.push(required('spec.externalName'));
    else causes.push(...invalidEach('spec.externalName', s.externalName, isDNS1123Subdomain(name)));
  }
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => causes.push(...validateServicePort(obj(p), index('spec.ports', i), ports.length > 1, type, names, keys)));
  causes.push(...validateLabels(s.selector, 'spec.selector'));
  if (s.sessionAffinity !== undefined) causes.push(...validateEnum(s.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None']));
  const clusterIP = str(s.clusterIP);
  if (clusterIP && clusterIP !== 'None' && !isIP(clusterIP)) causes.push(invalid('spec.clusterIPs[0]', clusterIP, 'must be empty, \'None\', or a valid IP address'));
  if (s.ipFamilyPolicy !== undefined && type !== 'ExternalName') causes.push(...validateEnum(s.ipFamilyPolicy, 'spec.ipFamilyPolicy', ['SingleStack', 'PreferDualStack', 'RequireDualStack']));
  return causes;
}

function validateServicePort(p: Record<string, unknown>, path: string, nameRequired: boolean, type: string, names: Set<string>, keys: Set<string>): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = str(p.name);
  if (nameRequired && !name) causes.push(required(child(path, 'name')));
  if (name) {
    causes.push(...invalidEach(child(path, 'name'), name, isDNS1123Label(name)));
    if (names.has(name)) causes.push(duplicate(child(path, 'name'), name));
    names.add(name);
  }
  causes.push(...invalidEach(child(path, 'port'), p.port, isValidPortNum(Number(p.port))));
  const protocol = str(p.protocol);
  causes.push(...validateEnum(p.protocol, child(path, 'protocol'), PROTOCOLS));
  const target = p.targetPort;
  if (typeof target === 'number') causes.push(...invalidEach(child(path, 'targetPort'), target, isValidPortNum(target)));
  else if (typeof target === 'string') causes.push(...invalidEach(child(path, 'targetPort'), target, isValidPortName(target)));
  if (p.nodePort) {
    if (type === 'ClusterIP' || type === '') causes.push(forbidden(child(path, 'nodePort'), "may not be used when `type` is 'ClusterIP'"));
    else causes.push(...invalidEach(child(path, 'nodePort'), p.nodePort, isValidPortNum(Number(p.nodePort))));
  }
  const portKey = `${protocol}/${String(p.port)}`;
  if (keys.has(portKey)) {
    causes.push(duplicate(path, new GoLiteral(`core.ServicePort{Name:"", Protocol:${JSON.stringify(protocol)}, AppProtocol:(*string)(nil), Port:${String(p.port)}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`)));
  }
  keys.add(portKey);
  return causes;
}

/** The allocated ClusterIP may not change once set (unless the service is or becomes ExternalName). */
function validateServiceUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const s = spec(o);
  const prev = spec(old);
  if (s.type === 'ExternalName' || prev.type === 'ExternalName') return [];
  const oldIP = str(prev.clusterIP);
  const newIP = str(s.clusterIP);
  if (oldIP && newIP && oldIP !== newIP) return [invalid('spec.clusterIPs[0]', arr(s.clusterIPs).length ? s.clusterIPs : [newIP], 'may not change once set')];
  return [];
}

function validateDataKeys(data: unknown, path: string, other: unknown, otherName: string): { causes: StatusCause[]; size: number } {
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(obj(data))) {
    causes.push(...invalidEach(key(path, k), k, isConfigMapKey(k)));
    if (Object.prototype.hasOwnProperty.call(obj(other), k)) causes.push(invalid(key(path, k), k, `duplicate of key present in ${otherName}`));
    size += str(v).length;
  }
  return { causes, size };
}

function validateConfigMap(o: KubeObject): StatusCause[] {
  const data = validateDataKeys(o.data, 'data', o.binaryData, 'binaryData');
  const binary = validateDataKeys(o.binaryData, 'binaryData', o.data, 'data');
  const causes = [...data.causes, ...binary.causes];
  if (data.size + Math.floor((binary.size * 3) / 4) > MAX_DATA_SIZE) causes.push(tooLong('', MAX_DATA_SIZE));
  return causes;
}

/** Keys a typed Secret must carry, as ValidateSecret requires them. */
const SECRET_REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.crt', 'tls.key'],
};

function validateSecret(o: KubeObject): StatusCause[] {
  const { causes, size } = validateDataKeys(o.data, 'data', {}, '');
  if (Math.floor((size * 3) / 4) > MAX_DATA_SIZE) causes.push(tooLong('data', MAX_DATA_SIZE));
  const type = str(o.type);
  const data = obj(o.data);
  for (const k of SECRET_REQUIRED_KEYS[type] ?? []) if (!(k in data)) causes.push(required(key('data', k)));
  if (type === 'kubernetes.io/service-account-token' && !o.metadata.annotations?.['kubernetes.io/service-account.name']) {
    causes.push(required(key('metadata.annotations', 'kubernetes.io/service-account.name')));
  }
  if (type === 'kubernetes.io/basic-auth' && !('username' in data) && !('password' in data)) {
    causes.push(required(key('data', 'username')), required(key('data', 'password')));
  }
  return causes;
}

function immutableData(o: KubeObject, old: KubeObject, fields: string[]): StatusCause[] {
  if (old.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (o.immutable !== true) causes.push(forbidden('immutable', IMMUTABLE_WHEN_SET));
  for (const f of fields) if (!sameValue(o[f], old[f])) causes.push(forbidden(f, IMMUTABLE_WHEN_SET));
  return causes;
}

/** spec.finalizers of a Namespace: qualified names, and unqualified ones must be standard. */
function validateNamespaceFinalizers(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  arr(spec(o).finalizers).forEach((f, i) => {
    const name = str(f);
    if (!name.includes('/') && !['kubernetes', 'orphan', 'foregroundDeletion'].includes(name)) {
      causes.push(invalid(index('spec.finalizers', i), name, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return causes;
}

/** ValidatePersistentVolumeClaimSpec (the parts users hit). */
export function validatePvcSpec(s: Record<string, unknown>, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const modes = arr(s.accessModes);
  if (modes.length === 0) causes.push(required(child(path, 'accessModes'), 'at least 1 access mode is required'));
  modes.forEach((m) => {
    if (!ACCESS_MODES.includes(str(m))) causes.push(notSupported(child(path, 'accessModes'), str(m), ACCESS_MODES));
  });
  const storage = obj(obj(s.resources).requests).storage;
  if (storage === undefined) causes.push(required(key(child(path, 'resources'), 'storage')));
  else if ((parseQuantity(storage) ?? 0) <= 0) causes.push(invalid(key(child(path, 'resources', 'requests'), 'storage'), String(storage), 'must be greater than zero'));
  if (s.volumeMode !== undefined) causes.push(...validateEnum(s.volumeMode, child(path, 'volumeMode'), ['Block', 'Filesystem']));
  return causes;
}

/** A claim's spec is immutable, except volumeName when first bound and storage requests when bound. */
function validatePvcUpdate(o: KubeObject, old: KubeObject): StatusCause[] {
  const causes = validatePvcSpec(spec(o), 'spec');
  const next = structuredClone(spec(o));
  const prev = spec(old);
  if (!str(prev.volumeName)) next.volumeName = prev.volumeName;
  const bound = obj(old.status).phase === 'Bound';
  const newStorage = obj(obj(next.resources).requests).storage;
  const oldStorage = obj(obj(prev.resources).requests).storage;
  if (bound && newStorage !== undefined && oldStorage !== undefined) {
    if ((parseQuantity(newStorage) ?? 0) < (parseQuantity(oldStorage) ?? 0)) {
      causes.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
    }
    obj(obj(next.resources).requests).storage = oldStorage;
  }
  for (const k of Object.keys(next)) if (next[k] === undefined) delete next[k];
  if (!sameValue(next, prev)) causes.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  return causes;
}

function validatePv(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes: StatusCause[] = [];
  if (arr(s.accessModes).length === 0) causes.push(required('spec.accessModes'));
  if (obj(s.capacity).storage === undefined) causes.push(required('spec.capacity'));
  if (s.persistentVolumeReclaimPolicy !== undefined) causes.push(...validateEnum(s.persistentVolumeReclaimPolicy, 'spec.persistentVolumeReclaimPolicy', ['Delete', 'Recycle', 'Retain']));
  return causes;
}

/** ReplicationController: non-empty selector matching the template labels, restartPolicy Always. */
function validateRc(o: KubeObject): StatusCause[] {
  const s = spec(o);
  const causes = nonNegative('spec.replicas', s.replicas);
  causes.push(...nonNegative('spec.minReadySeconds', s.minReadySeconds));
  const selector = obj(s.selector) as Record<string, string>;
  if (Object.keys(selector).length === 0) causes.push(required('spec.selector'));
  else causes.push(...validateLabels(selector, 'spec.selector'));
  if (s.template === undefined || s.template === null) {
    causes.push(required('spec.template'));
    return causes;
  }
  const labels = obj(obj(obj(s.template).metadata).labels) as Record<string, string>;
  if (Object.keys(selector).length && !matchesLabels(selectorFromLabelSelector({ matchLabels: selector }), labels)) {
    causes.push(invalid('spec.template.metadata.labels', new GoLiteral(goStringMap(labels)), '`selector` does not match template `labels`'));
  }
  causes.push(...validatePodTemplateSpec(s.template, 'spec.template'));
  const restart = str(obj(obj(s.template).spec).restartPolicy);
  if (restart && restart !== 'Always') causes.push(notSupported('spec.template.spec.restartPolicy', restart, ['Always']));
  return causes;
}
