/**
 * The EndpointSlice controller (k8s.io/kubernetes/pkg/controller/endpointslice): discovery.k8s.io/v1
 * EndpointSlices for every Service with a selector. Slices are named `<service>-<random>`
 * (generateName), labelled `kubernetes.io/service-name` and
 * `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`, owned by the service
 * (so the garbage collector removes them with it), one set per distinct port mapping, at most
 * `maxEndpointsPerSlice` (100) endpoints each. Every selected pod with an IP is an endpoint, terminating
 * ones included, with the ready/serving/terminating conditions Kubernetes computes.
 *
 * Like the Kubernetes reconciler, existing slices are kept and patched in place where possible:
 * endpoints stay in the slice they are in, new ones fill slices with room before new slices are
 * created, and empty slices are deleted. A service with no endpoints keeps one placeholder slice.
 */
import { cloneJson, jsonEqual, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { Controller, ReconcileContext } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { ignoreCodes } from './object-patches.ts';
import { findPort, isPodReady, PODS, podIPv4, SERVICES, selectedPods, ServiceMembership, shouldPodBeInEndpoints, shouldSetHostname, type EndpointPod, type Service } from './service-pods.ts';

const SLICES = findResource('discovery.k8s.io', 'v1', 'endpointslices')!;
const NODES = findResource('', 'v1', 'nodes')!;
/** discovery.LabelServiceName. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
/** discovery.LabelManagedBy and this controller's value of it. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const ZONE_LABEL = 'topology.kubernetes.io/zone';

/** discovery/v1 EndpointPort. */
export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

/** discovery/v1 Endpoint. */
export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready: boolean; serving: boolean; terminating: boolean };
  hostname?: string;
  nodeName?: string;
  zone?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
}

/** discovery/v1 EndpointSlice. */
export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints?: SliceEndpoint[] | null;
  ports?: SlicePort[] | null;
}

/** Options of the EndpointSlice controller. */
export interface EndpointSliceOptions {
  /** kube-controller-manager's --max-endpoints-per-slice (default 100). */
  maxEndpointsPerSlice?: number;
}

/** Creates the EndpointSlice controller; its keys are services' `namespace/name`. */
export function endpointSliceController(opts: EndpointSliceOptions = {}): Controller {
  const members = new ServiceMembership();
  const max = opts.maxEndpointsPerSlice ?? 100;
  return {
    name: 'endpointslice',
    watches: [
      ...members.watches(),
      // Changes to our slices (someone edited or deleted one) wake their service.
      { resource: SLICES, map: (s) => (s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && s.metadata.labels[SERVICE_NAME_LABEL] ? [`${s.metadata.namespace}/${s.metadata.labels[SERVICE_NAME_LABEL]}`] : []) },
      // Nodes only feed the zone of endpoints.
      { resource: NODES, map: 'none' },
    ],
    reconcile: (ctx, key) => syncService(ctx, key, members, max),
    workers: 2,
  };
}

async function syncService(ctx: ReconcileContext, key: string, members: ServiceMembership, max: number): Promise<void> {
  const { namespace, name } = splitKey(key);
  const svc = ctx.listers.get<Service>(SERVICES).get(namespace, name);
  // A deleted service's slices go with it through their ownerReference (garbage collector).
  if (!svc) return members.forget(namespace, key);
  members.observe(svc);
  if (!svc.spec?.selector || svc.spec.type === 'ExternalName') return;
  const pods = selectedPods(svc, ctx.listers.get<EndpointPod>(PODS).namespace(namespace).list());
  const zoneOf = (node: string | undefined): string | undefined => (node ? ctx.listers.get(NODES).get(undefined, node)?.metadata.labels?.[ZONE_LABEL] : undefined);
  const existing = ctx.listers.get<EndpointSlice>(SLICES).namespace(namespace).list({ [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: CONTROLLER_NAME });
  const plan = planSlices(svc, desiredEndpoints(svc, pods, zoneOf), existing, max);
  for (const slice of plan.create) await ctx.client.create(SLICES, slice, { signal: ctx.signal });
  for (const slice of plan.update) await ctx.client.update(SLICES, slice, { signal: ctx.signal });
  for (const slice of plan.delete) await ignoreCodes(ctx.client.delete(SLICES, namespace, slice.metadata.name!, { preconditions: { uid: slice.metadata.uid }, signal: ctx.signal }), [404, 409]);
}

/** The endpoints of a service by port mapping: port-set key -> ports and endpoints. */
export type DesiredEndpoints = Map<string, { ports: SlicePort[]; endpoints: SliceEndpoint[] }>;

/** One endpoint per selected pod with an IPv4 address (podToEndpoint), grouped by the ports it resolves. */
export function desiredEndpoints(svc: Service, pods: EndpointPod[], zoneOf: (node: string | undefined) => string | undefined = () => undefined): DesiredEndpoints {
  const out: DesiredEndpoints = new Map();
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports: SlicePort[] = [];
    for (const sp of svc.spec?.ports ?? []) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const p: SlicePort = { name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP' };
      if (sp.appProtocol) p.appProtocol = sp.appProtocol;
      ports.push(p);
    }
    const serving = publishNotReady || isPodReady(pod);
    const terminating = !!pod.metadata.deletionTimestamp;
    // "ready" is never true for a terminating pod unless publishNotReadyAddresses is set.
    const endpoint: SliceEndpoint = {
      addresses: [podIPv4(pod)!],
      conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name!, uid: pod.metadata.uid },
    };
    if (shouldSetHostname(pod, svc)) endpoint.hostname = pod.spec!.hostname;
    if (pod.spec?.nodeName) endpoint.nodeName = pod.spec.nodeName;
    const zone = zoneOf(pod.spec?.nodeName);
    if (zone) endpoint.zone = zone;
    const key = portsKey(ports);
    const group = out.get(key) ?? { ports, endpoints: [] };
    out.set(key, group);
    group.endpoints.push(endpoint);
  }
  return out;
}

/** Writes that bring a service's slices to the desired endpoints. */
export interface SlicePlan {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/** Plans creates, updates and deletes; existing slices (from the cache) are copied, never changed. */
export function planSlices(svc: Service, desired: DesiredEndpoints, existing: EndpointSlice[], max: number): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const owned: EndpointSlice[] = [];
  for (const slice of existing) {
    // Slices left by an earlier service of the same name are not ours to reuse.
    if (ownedBy(slice, svc) && slice.addressType === 'IPv4') owned.push(slice);
    else plan.delete.push(slice);
  }
  const groups: DesiredEndpoints = desired.size > 0 ? desired : new Map([[portsKey([]), { ports: [], endpoints: [] }]]);
  const used = new Set<EndpointSlice>();
  for (const [key, { ports, endpoints }] of groups) {
    const candidates = owned.filter((s) => portsKey(s.ports ?? []) === key).sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
    candidates.forEach((s) => used.add(s));
    planGroup(svc, ports, endpoints, candidates, max, plan, desired.size === 0);
  }
  for (const slice of owned) if (!used.has(slice)) plan.delete.push(slice);
  return plan;
}

function planGroup(svc: Service, ports: SlicePort[], endpoints: SliceEndpoint[], slices: EndpointSlice[], max: number, plan: SlicePlan, placeholder: boolean): void {
  const wanted = new Map(endpoints.map((e) => [endpointKey(e), e]));
  // Endpoints stay in the slice they are already in.
  const filled = slices.map((slice) => {
    const kept: SliceEndpoint[] = [];
    for (const e of slice.endpoints ?? []) {
      const next = wanted.get(endpointKey(e));
      if (!next || kept.length >= max) continue;
      kept.push(next);
      wanted.delete(endpointKey(e));
    }
    return { slice, endpoints: kept };
  });
  const rest = [...wanted.values()].sort(byAddress);
  for (const entry of filled) while (entry.endpoints.length < max && rest.length > 0) entry.endpoints.push(rest.shift()!);
  while (rest.length > 0) plan.create.push(buildSlice(svc, ports, rest.splice(0, max)));
  if (placeholder && filled.length === 0) plan.create.push(buildSlice(svc, ports, []));
  filled.forEach((entry, i) => {
    // A service without endpoints keeps exactly one (placeholder) slice.
    if (entry.endpoints.length === 0 && !(placeholder && i === 0)) return plan.delete.push(entry.slice);
    const next = sliceWith(svc, entry.slice, ports, entry.endpoints.sort(byAddress));
    if (!jsonEqual(next, entry.slice)) plan.update.push(next);
  });
}

function buildSlice(svc: Service, ports: SlicePort[], endpoints: SliceEndpoint[]): EndpointSlice {
  const slice: EndpointSlice = {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      generateName: `${svc.metadata.name}-`,
      namespace: svc.metadata.namespace,
      labels: sliceLabels(svc),
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name: svc.metadata.name!, uid: svc.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    addressType: 'IPv4',
    endpoints: [...endpoints].sort(byAddress),
  };
  if (ports.length > 0) slice.ports = ports;
  return slice;
}

function sliceWith(svc: Service, current: EndpointSlice, ports: SlicePort[], endpoints: SliceEndpoint[]): EndpointSlice {
  const next = cloneJson(current);
  next.metadata.labels = sliceLabels(svc);
  next.endpoints = endpoints;
  if (ports.length > 0) next.ports = ports;
  else delete next.ports;
  return next;
}

/** The service's labels (minus the reserved ones), the headless label, service-name and managed-by (setEndpointSliceLabels). */
export function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

function ownedBy(slice: EndpointSlice, svc: Service): boolean {
  return (slice.metadata.ownerReferences ?? []).some((r) => r.kind === 'Service' && r.uid === svc.metadata.uid && r.controller === true);
}

/** The identity of a port set, independent of order. */
function portsKey(ports: SlicePort[]): string {
  return ports.map((p) => `${p.name}|${p.port}|${p.protocol ?? 'TCP'}|${p.appProtocol ?? ''}`).sort().join(',');
}

function endpointKey(e: SliceEndpoint): string {
  return e.targetRef?.uid ?? e.addresses[0] ?? '';
}

function byAddress(a: SliceEndpoint, b: SliceEndpoint): number {
  return (a.addresses[0] ?? '').localeCompare(b.addresses[0] ?? '') || (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? '');
}
