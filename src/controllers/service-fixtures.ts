/** Service and pod fixtures for the endpoint controllers' unit tests. */
import type { EndpointPod, Service } from './service-pods.ts';

/** A pod labelled app=web with an IP, optionally ready, with a named container port `http` (8080). */
export function pod(name: string, ip: string | undefined, ready: boolean, extra: { labels?: Record<string, string>; deleting?: boolean; phase?: string } = {}): EndpointPod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'ns', name, uid: `uid-${name}`, labels: extra.labels ?? { app: 'web' }, ...(extra.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}) },
    spec: { nodeName: 'node1', containers: [{ ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }] },
    status: { phase: extra.phase ?? 'Running', ...(ip ? { podIP: ip } : {}), conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

/** A service selecting app=web with a named-target port and a numeric one. */
export function service(extra: Partial<NonNullable<Service['spec']>> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'ns', name: 'web', uid: 'svc-uid', labels: { tier: 'front' } },
    spec: { selector: { app: 'web' }, clusterIP: '10.43.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }, { name: 'metrics', port: 9090, protocol: 'TCP', targetPort: 9090 }], ...extra },
  };
}
