/**
 * The Endpoints controller (k8s.io/kubernetes/pkg/controller/endpoint): one core/v1 Endpoints per
 * Service with a selector, named like the service, listing the selected pods' IPs as `addresses`
 * (ready, or any when publishNotReadyAddresses) or `notReadyAddresses`, with the service ports
 * resolved against each pod, repacked into subsets of addresses sharing the same ports
 * (endpoints.RepackSubsets). Services without a selector are left to whoever writes their
 * Endpoints; the Endpoints of a deleted service is deleted.
 */
import { cloneJson, jsonEqual, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { Controller, ReconcileContext } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { ignoreCodes } from './object-patches.ts';
import { findPort, isPodReady, PODS, podIPv4, SERVICES, selectedPods, ServiceMembership, shouldPodBeInEndpoints, shouldSetHostname, type EndpointPod, type Service } from './service-pods.ts';

const ENDPOINTS = findResource('', 'v1', 'endpoints')!;
/** The label marking a headless service's endpoints (v1.IsHeadlessService). */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** core/v1 EndpointAddress. */
export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
}

/** core/v1 EndpointPort. */
export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
  appProtocol?: string;
}

/** core/v1 EndpointSubset. */
export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

/** core/v1 Endpoints. */
export interface EndpointsObject extends KubeObject {
  subsets?: EndpointSubset[];
}

/** Creates the Endpoints controller; its keys are services' `namespace/name`. */
export function endpointsController(): Controller {
  const members = new ServiceMembership();
  return {
    name: 'endpoint',
    // Endpoints events wake the service of the same name: a deleted Endpoints is recreated and
    // one left over from a deleted service is removed.
    watches: [...members.watches(), { resource: ENDPOINTS }],
    reconcile: (ctx, key) => syncService(ctx, key, members),
    workers: 2,
  };
}

async function syncService(ctx: ReconcileContext, key: string, members: ServiceMembership): Promise<void> {
  const { namespace, name } = splitKey(key);
  const svc = ctx.listers.get<Service>(SERVICES).get(namespace, name);
  const current = ctx.listers.get<EndpointsObject>(ENDPOINTS).get(namespace, name);
  if (!svc) {
    members.forget(namespace, key);
    if (current) await ignoreCodes(ctx.client.delete(ENDPOINTS, namespace, name, { signal: ctx.signal }));
    return;
  }
  members.observe(svc);
  // Services without a selector get their Endpoints written out of band.
  if (!svc.spec?.selector) return;
  const pods = selectedPods(svc, ctx.listers.get<EndpointPod>(PODS).namespace(namespace).list());
  const subsets = endpointSubsets(svc, pods);
  const labels = endpointsLabels(svc);
  if (current && jsonEqual(current.subsets ?? [], subsets) && jsonEqual(current.metadata.labels ?? {}, labels)) return;
  if (!current) {
    const created: EndpointsObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, labels }, subsets };
    if (subsets.length === 0) delete created.subsets;
    await ignoreCodes(ctx.client.create(ENDPOINTS, created, { signal: ctx.signal }), [409]);
    return;
  }
  const next = cloneJson(current);
  next.metadata.labels = labels;
  if (subsets.length > 0) next.subsets = subsets;
  else delete next.subsets;
  await ctx.client.update(ENDPOINTS, next, { signal: ctx.signal });
}

/** The service's labels, plus the headless label when it has no cluster IP (and without it otherwise). */
export function endpointsLabels(svc: Service): Record<string, string> {
  const labels = { ...svc.metadata.labels };
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** The repacked subsets for a service and the pods its selector matches. */
export function endpointSubsets(svc: Service, pods: EndpointPod[]): EndpointSubset[] {
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const entries: { address: EndpointAddress; ready: boolean; port?: EndpointPort }[] = [];
  for (const pod of pods) {
    if (!shouldPodBeInEndpoints(pod, tolerateUnready)) continue;
    const address: EndpointAddress = { ip: podIPv4(pod)!, targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name!, uid: pod.metadata.uid } };
    if (pod.spec?.nodeName) address.nodeName = pod.spec.nodeName;
    if (shouldSetHostname(pod, svc)) address.hostname = pod.spec!.hostname;
    const ready = tolerateUnready || isPodReady(pod);
    const ports = svc.spec?.ports ?? [];
    // A headless service may have no ports: its addresses still count.
    if (ports.length === 0 && svc.spec?.clusterIP === 'None') entries.push({ address, ready });
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      const epp: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) epp.name = sp.name;
      if (sp.appProtocol) epp.appProtocol = sp.appProtocol;
      entries.push({ address, ready, port: epp });
    }
  }
  return repack(entries);
}

const addressKey = (a: EndpointAddress): string => `${a.ip}|${a.targetRef?.uid ?? ''}`;
const portKey = (p: EndpointPort | undefined): string => (p ? `${p.name ?? ''}|${p.port}|${p.protocol ?? ''}|${p.appProtocol ?? ''}` : '');

/**
 * RepackSubsets: addresses that expose the same set of ports share one subset; an address ready
 * on a port is ready there even if listed not-ready too. Addresses are sorted by IP then uid, ports
 * and subsets by a stable key (Kubernetes sorts those by an internal hash).
 */
function repack(entries: { address: EndpointAddress; ready: boolean; port?: EndpointPort }[]): EndpointSubset[] {
  const addresses = new Map<string, EndpointAddress>();
  const ports = new Map<string, EndpointPort | undefined>();
  const readyByPort = new Map<string, Map<string, boolean>>();
  for (const { address, ready, port } of entries) {
    const ak = addressKey(address);
    const pk = portKey(port);
    addresses.set(ak, address);
    ports.set(pk, port);
    const set = readyByPort.get(pk) ?? new Map<string, boolean>();
    readyByPort.set(pk, set);
    set.set(ak, (set.get(ak) ?? false) || ready);
  }
  // Ports whose address sets (with readiness) are identical share a subset.
  const groups = new Map<string, { set: Map<string, boolean>; ports: string[] }>();
  for (const [pk, set] of readyByPort) {
    const id = [...set].map(([a, r]) => `${a}=${r}`).sort().join(',');
    const group = groups.get(id) ?? { set, ports: [] };
    groups.set(id, group);
    group.ports.push(pk);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress): number => a.ip.localeCompare(b.ip) || (a.targetRef?.uid ?? '').localeCompare(b.targetRef?.uid ?? '');
  const subsets: EndpointSubset[] = [];
  for (const { set, ports: pks } of groups.values()) {
    const subset: EndpointSubset = {};
    const ready = [...set].filter(([, r]) => r).map(([a]) => addresses.get(a)!).sort(byIp);
    const notReady = [...set].filter(([, r]) => !r).map(([a]) => addresses.get(a)!).sort(byIp);
    if (ready.length > 0) subset.addresses = ready;
    if (notReady.length > 0) subset.notReadyAddresses = notReady;
    const subsetPorts = pks.sort().map((pk) => ports.get(pk)).filter((p): p is EndpointPort => p !== undefined);
    if (subsetPorts.length > 0) subset.ports = subsetPorts;
    subsets.push(subset);
  }
  const first = (s: EndpointSubset): string => (s.addresses ?? s.notReadyAddresses ?? [])[0]?.ip ?? '';
  return subsets.sort((a, b) => first(a).localeCompare(first(b)) || portKey(a.ports?.[0]).localeCompare(portKey(b.ports?.[0])));
}
