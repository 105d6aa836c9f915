/**
 * What the Endpoints and EndpointSlice controllers share: the Service and Pod fields they read, which
 * pods back a service (k8s.io/endpointslice/util ShouldPodBeInEndpoints, podutil.FindPort,
 * ShouldSetHostname), and which services a pod event must wake.
 */
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { selectorFromLabelSelector } from '../api/selectors/labels.ts';
import type { WatchSpec } from '../machinery/controller.ts';
import { objectKey } from '../machinery/indexer.ts';
import { SelectorIndex } from './owner-selectors.ts';

/** core/v1 ServicePort. */
export interface ServicePort {
  name?: string;
  protocol?: string;
  appProtocol?: string;
  port: number;
  targetPort?: number | string;
}

/** core/v1 Service, the fields the endpoint controllers read. */
export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string> | null;
    ports?: ServicePort[];
    clusterIP?: string;
    type?: string;
    publishNotReadyAddresses?: boolean;
  };
}

interface ContainerPorts {
  ports?: { name?: string; containerPort: number; protocol?: string }[];
  restartPolicy?: string;
}

/** core/v1 Pod, the fields the endpoint controllers read. */
export interface EndpointPod extends KubeObject {
  spec?: { nodeName?: string; hostname?: string; subdomain?: string; containers?: ContainerPorts[]; initContainers?: ContainerPorts[] };
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[]; conditions?: { type: string; status: string }[] };
}

export const SERVICES = findResource('', 'v1', 'services')!;
export const PODS = findResource('', 'v1', 'pods')!;

/** Whether the pod's Ready condition is True (podutil.IsPodReady). */
export function isPodReady(pod: EndpointPod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The pod's IPv4 address, if it has one yet. */
export function podIPv4(pod: EndpointPod): string | undefined {
  const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)];
  return ips.find((ip): ip is string => !!ip && !ip.includes(':'));
}

/**
 * Whether a pod is an endpoint at all: it has an IP and has not finished; a terminating pod only
 * when `includeTerminating` (EndpointSlices always; Endpoints with publishNotReadyAddresses).
 */
export function shouldPodBeInEndpoints(pod: EndpointPod, includeTerminating: boolean): boolean {
  if (!podIPv4(pod)) return false;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return includeTerminating || !pod.metadata.deletionTimestamp;
}

/**
 * The container port a service port reaches on this pod (podutil.FindPort): a numeric targetPort
 * as it is (the port itself when unset), a named one by the container port of that name and the
 * service port's protocol, in containers and restartable (sidecar) init containers. Undefined when
 * the pod has no such port.
 */
export function findPort(pod: EndpointPod, port: ServicePort): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = port.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    const hit = c.ports?.find((p) => p.name === target && (p.protocol ?? 'TCP') === protocol);
    if (hit) return hit.containerPort;
  }
  return undefined;
}

/** A pod's hostname is published when it names this service as its subdomain (ShouldSetHostname). */
export function shouldSetHostname(pod: EndpointPod, svc: Service): boolean {
  return !!pod.spec?.hostname && pod.spec.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/** The pods of the service's namespace its selector matches. */
export function selectedPods(svc: Service, pods: EndpointPod[]): EndpointPod[] {
  const selector = svc.spec?.selector ?? {};
  return pods.filter((p) => Object.entries(selector).every(([k, v]) => p.metadata.labels?.[k] === v));
}

/**
 * Which services select which pods, as seen by the service event handler, so that a pod event
 * can wake its services (GetPodServiceMemberships) although a KeyMapper only sees the pod. A
 * service without a selector selects nothing (not everything).
 */
export class ServiceMembership {
  private readonly index = new SelectorIndex();

  /** Records a service's selector (or its lack of one). */
  observe(svc: Service): void {
    const ns = svc.metadata.namespace ?? '';
    const selector = svc.spec?.selector;
    if (selector) this.index.set(ns, objectKey(svc), selectorFromLabelSelector({ matchLabels: selector }));
    else this.index.delete(ns, objectKey(svc));
  }

  /** Forgets a deleted service. */
  forget(namespace: string, key: string): void {
    this.index.delete(namespace, key);
  }

  /** The keys of the services whose selector matches the pod. */
  servicesFor(pod: KubeObject): string[] {
    return this.index.matching(pod.metadata.namespace ?? '', pod.metadata.labels);
  }

  /** Watches of services (recording membership) and pods (waking their services). */
  watches(): WatchSpec[] {
    return [
      { resource: SERVICES, map: (svc) => (this.observe(svc as Service), [objectKey(svc)]) },
      { resource: PODS, map: (pod) => this.servicesFor(pod) },
    ];
  }
}
