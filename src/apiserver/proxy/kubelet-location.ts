/**
 * Finding the kubelet that serves a pod, as kube-apiserver's pod registry does
 * (pkg/registry/core/pod/strategy.go: LogLocation, ExecLocation, PortForwardLocation): the pod's
 * spec.nodeName, the node's address and kubelet port, and the container checks with their messages.
 */
import { badRequest, StatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { StoreLookup } from '../handlers/context.ts';

/** TLS material the API server uses towards kubelets: its kubelet client certificate and the CA kubelet serving certificates chain to. */
export interface KubeletTransport {
  ca: string;
  cert: string;
  key: string;
}

/** Where a kubelet listens. */
export interface KubeletAddress {
  host: string;
  port: number;
  nodeName: string;
}

interface ContainerLike { name: string }
/** The fields of a pod the proxy reads. */
export interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: ContainerLike[]; initContainers?: ContainerLike[]; ephemeralContainers?: ContainerLike[] };
  status?: { phase?: string };
}
interface NodeLike extends KubeObject {
  status?: { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
}

/** kube-apiserver's --kubelet-preferred-address-types as k3s sets it: InternalIP first. */
const ADDRESS_PREFERENCE = ['InternalIP', 'ExternalIP', 'Hostname', 'InternalDNS', 'ExternalDNS'];
const DEFAULT_KUBELET_PORT = 10250;

/** The pod (404 `pods "x" not found` when absent). */
export async function getPod(stores: StoreLookup, namespace: string, name: string): Promise<PodLike> {
  return (await stores.byResource('', 'pods')!.get(namespace, name)).object as PodLike;
}

/**
 * The container a request addresses, as validateContainer does: the named one if the pod has it
 * (in containers, initContainers or ephemeralContainers), the only one when none is named, and
 * 400 BadRequest otherwise.
 */
export function resolveContainer(pod: PodLike, requested: string | null): string {
  const containers = pod.spec?.containers ?? [];
  const all = [...containers, ...(pod.spec?.initContainers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
  const name = pod.metadata.name ?? '';
  if (!requested) {
    if (containers.length === 1) return containers[0].name;
    if (containers.length === 0) throw badRequest(`pod ${name} does not have a container`);
    throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${all.join(' ')}]`);
  }
  if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
  return requested;
}

/**
 * The kubelet of the pod's node: the node's preferred address and its
 * status.daemonEndpoints.kubeletEndpoint.Port (10250 when unset). Undefined when the pod is not
 * scheduled yet; 404 for a node that does not exist; 400 for a node without an address.
 */
export async function kubeletFor(stores: StoreLookup, pod: PodLike): Promise<KubeletAddress | undefined> {
  const nodeName = pod.spec?.nodeName;
  return nodeName ? nodeKubelet(stores, nodeName) : undefined;
}

/** The kubelet of node `nodeName` (404 when the node does not exist, 400 when it has no address). */
export async function nodeKubelet(stores: StoreLookup, nodeName: string): Promise<KubeletAddress> {
  const node = (await stores.byResource('', 'nodes')!.get(undefined, nodeName)).object as NodeLike;
  const addresses = node.status?.addresses ?? [];
  for (const type of ADDRESS_PREFERENCE) {
    const found = addresses.find((a) => a.type === type && a.address);
    if (found) return { host: found.address, port: node.status?.daemonEndpoints?.kubeletEndpoint?.Port || DEFAULT_KUBELET_PORT, nodeName };
  }
  throw badRequest(`no preferred addresses found; known addresses: []`);
}

/** exec and attach into a finished pod answer 400, as the pod strategy checks the phase. */
export function requireRunningPhase(pod: PodLike, verb: 'exec' | 'attach'): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw badRequest(`cannot ${verb} into a container in a completed pod; current phase is ${phase}`);
  }
}

/** The pod's kubelet, or 400 when the pod has no node yet (streams need a running container). */
export async function requireKubelet(stores: StoreLookup, pod: PodLike): Promise<KubeletAddress> {
  const kubelet = await kubeletFor(stores, pod);
  if (!kubelet) throw badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
  return kubelet;
}

/**
 * Turns a kubelet's refusal (plain-text body, as the kubelet writes errors) into the Status the
 * client sees: same code, the kubelet's message.
 */
export function kubeletError(code: number, body: string): StatusError {
  const message = body.trim() || `the server responded with the status code ${code} but did not return more information`;
  const reasons: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 500: 'InternalError', 503: 'ServiceUnavailable' };
  return new StatusError(code, (reasons[code] ?? 'InternalError') as never, message);
}
