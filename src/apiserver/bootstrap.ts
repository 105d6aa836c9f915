import { StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import type { StoreLookup } from './handlers/context.ts';
import { KUBERNETES_SERVICE_IP } from './registry/service-allocation.ts';

/** The namespaces every Kubernetes cluster has. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

const MANAGER = { dryRun: false, fieldManager: 'skiff-apiserver' };

async function ensure(stores: StoreLookup, resource: string, object: KubeObject): Promise<void> {
  const store = stores.byResource('', resource)!;
  if (store.peek(object.metadata.namespace, object.metadata.name!)) return;
  try {
    await store.create(object.metadata.namespace, object, MANAGER);
  } catch (err) {
    // Another server of the same cluster may have created it first.
    if (!(err instanceof StatusError && err.reason === 'AlreadyExists')) throw err;
  }
}

/**
 * Objects the API server itself maintains, as kube-apiserver's bootstrap controllers do: the
 * system namespaces and the `kubernetes` Service (10.43.0.1:443) with Endpoints pointing at this server.
 */
export async function bootstrapObjects(stores: StoreLookup, advertiseAddress: string, port: number): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    await ensure(stores, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  await ensure(stores, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP: KUBERNETES_SERVICE_IP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
  });
  await ensure(stores, 'endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
  });
}
