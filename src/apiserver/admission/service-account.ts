/**
 * The ServiceAccount admission plugin's mutation of new pods
 * (plugin/pkg/admission/serviceaccount): spec.serviceAccountName defaults to `default`, and unless
 * the pod or its service account opts out with automountServiceAccountToken: false, every
 * container and init container gets the projected `kube-api-access-<5 random>` volume (bound
 * token, kube-root-ca.crt, namespace) mounted read-only at
 * /var/run/secrets/kubernetes.io/serviceaccount. Mirror pods are left alone.
 */
import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../api/object.ts';
import type { StoreLookup } from '../handlers/context.ts';
import { registerStrategy } from '../registry/strategy.ts';

/** Where the token, ca.crt and namespace appear in containers (DefaultAPITokenMountPath). */
export const API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Prefix of the volume's name (ServiceAccountVolumeName). */
export const API_ACCESS_VOLUME_PREFIX = 'kube-api-access-';
const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
/** utilrand.String's alphabet: no vowels, no confusable digits. */
const ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

interface Container {
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}

interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { name: string }[];
  containers?: Container[];
  initContainers?: Container[];
}

/** The projected source the plugin adds (TokenVolumeSource), defaultMode 0644 set explicitly. */
export function apiAccessVolume(name: string): Record<string, unknown> {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function randomSuffix(): string {
  let out = '';
  for (let i = 0; i < 5; i++) out += ALPHANUMS[randomInt(ALPHANUMS.length)];
  return out;
}

/** Whether the token is to be mounted: the pod's choice, else the service account's, else yes. */
function shouldAutomount(spec: PodSpec, serviceAccount: KubeObject | undefined): boolean {
  if (spec.automountServiceAccountToken !== undefined) return spec.automountServiceAccountToken;
  const fromAccount = (serviceAccount as { automountServiceAccountToken?: boolean } | undefined)?.automountServiceAccountToken;
  return fromAccount !== false;
}

/** Applies the plugin's mutation to a pod about to be created. */
export function admitPodServiceAccount(pod: KubeObject, stores: StoreLookup): void {
  if (pod.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) return;
  const spec = (pod.spec ??= {}) as PodSpec;
  spec.serviceAccountName ||= spec.serviceAccount || 'default';
  const account = stores.byResource('', 'serviceaccounts')?.peek(pod.metadata.namespace, spec.serviceAccountName)?.object;
  if (!shouldAutomount(spec, account)) return;
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(API_ACCESS_VOLUME_PREFIX));
  const volumeName = existing?.name ?? API_ACCESS_VOLUME_PREFIX + randomSuffix();
  let needsVolume = false;
  for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    // A container that already mounts something at the token path keeps it.
    if ((container.volumeMounts ?? []).some((m) => m.mountPath === API_TOKEN_MOUNT_PATH)) continue;
    container.volumeMounts = [...(container.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: API_TOKEN_MOUNT_PATH }];
    needsVolume = true;
  }
  if (!existing && needsVolume) spec.volumes = [...(spec.volumes ?? []), apiAccessVolume(volumeName) as { name: string }];
}

/**
 * Runs the plugin on every pod create (as a pod strategy hook, which also drops a client-supplied
 * status as the pod strategy does).
 */
export function registerServiceAccountAdmission(stores: StoreLookup): void {
  registerStrategy('', 'pods', {
    prepareForCreate(pod) {
      delete pod.status;
      admitPodServiceAccount(pod, stores);
    },
  });
}
