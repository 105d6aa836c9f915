/**
 * The API side of volumes and container environments: ConfigMaps, Secrets, Services,
 * PersistentVolume(Claim)s read through the client (a missing object is `undefined`, as the
 * kubelet's managers report NotFound), and bound service account tokens from the TokenRequest
 * API.
 */
import { StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { findResource } from '../../api/registry.ts';
import type { KubeClient } from '../../client/interface.ts';
import type { RawRequest, RawResponse } from '../../client/rest-client.ts';
import type { EnvSource } from '../env/container-env.ts';
import type { KubeletPod } from '../runtime-interface.ts';
import type { PodObjectSource } from './volume-manager.ts';
import type { SharedInformer } from '../../machinery/informer.ts';
import { NAMESPACE_INDEX } from '../../machinery/indexer.ts';

const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;
const SECRETS = findResource('', 'v1', 'secrets')!;
const SERVICES = findResource('', 'v1', 'services')!;
const CLAIMS = findResource('', 'v1', 'persistentvolumeclaims')!;
const VOLUMES = findResource('', 'v1', 'persistentvolumes')!;

/** A client that can also send raw requests (for the serviceaccounts/token subresource). */
export type ApiSourceClient = KubeClient & { request(req: RawRequest): Promise<RawResponse> };

async function getOrUndefined(client: KubeClient, ref: typeof CONFIGMAPS, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
  try {
    return await client.get(ref, namespace, name);
  } catch (err) {
    if (err instanceof StatusError && err.code === 404) return undefined;
    throw err;
  }
}

/** PodObjectSource and EnvSource over the API. */
export function apiObjectSource(client: ApiSourceClient): PodObjectSource & EnvSource {
  return {
    getConfigMap: (ns, name) => getOrUndefined(client, CONFIGMAPS, ns, name),
    getSecret: (ns, name) => getOrUndefined(client, SECRETS, ns, name),
    getPersistentVolumeClaim: (ns, name) => getOrUndefined(client, CLAIMS, ns, name),
    getPersistentVolume: (name) => getOrUndefined(client, VOLUMES, undefined, name),
    listServices: async (ns) => (await client.list(SERVICES, { namespace: ns })).items,
    requestServiceAccountToken: async (pod: KubeletPod, audiences: string[] | undefined, expirationSeconds: number) => {
      const ns = pod.metadata.namespace ?? 'default';
      const sa = String(pod.spec.serviceAccountName ?? 'default');
      const body = {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: audiences ?? null, expirationSeconds, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid } },
      };
      const res = await client.request({ method: 'POST', path: `/api/v1/namespaces/${encodeURIComponent(ns)}/serviceaccounts/${encodeURIComponent(sa)}/token`, body });
      const status = (JSON.parse(res.body.toString('utf8')) as { status?: { token?: string; expirationTimestamp?: string } }).status;
      if (!status?.token || !status.expirationTimestamp) throw new Error('failed to create token: no token in server response');
      return { token: status.token, expirationTimestamp: status.expirationTimestamp };
    },
  };
}

/** The informers a cached source reads from (all namespaces). */
export interface ObjectInformers {
  configMaps: SharedInformer;
  secrets: SharedInformer;
  services: SharedInformer;
}

/**
 * `base` with ConfigMaps, Secrets and Services read from informers instead of a GET per call
 * (kubelet's watch-based object managers): pod starts and the periodic volume refresh put no
 * read load on the API server. An object the informer has not seen yet reads as missing, and the
 * pod sync retries, as with kubelet's managers. Callers get frozen objects and must not change them.
 */
export function cachedObjectSource(base: PodObjectSource & EnvSource, informers: ObjectInformers): PodObjectSource & EnvSource {
  const key = (ns: string, name: string): string => `${ns}/${name}`;
  return {
    ...base,
    getConfigMap: async (ns, name) => informers.configMaps.indexer.getByKey(key(ns, name)),
    getSecret: async (ns, name) => informers.secrets.indexer.getByKey(key(ns, name)),
    listServices: async (ns) => informers.services.indexer.byIndex(NAMESPACE_INDEX, ns),
  };
}
