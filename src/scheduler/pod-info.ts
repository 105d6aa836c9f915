/**
 * A pod with everything the scheduler derives from it computed once (framework.PodInfo): its
 * requests, host ports and parsed affinity terms, so filters never re-parse the spec per node.
 */
import type { V1PodAffinityTerm, V1WeightedPodAffinityTerm } from '@kubernetes/client-node';
import { compileLabelSelector, matchNothing } from './label-selector.ts';
import type { LabelPredicate } from './label-selector.ts';
import { podRequests } from './resources.ts';
import type { Resource } from './resources.ts';
import { podPriority, podUid } from './types.ts';
import type { Pod } from './types.ts';

/**
 * One pod (anti-)affinity term, compiled (framework.AffinityTerm): it selects pods in `namespaces`
 * or in namespaces whose labels match `namespaceSelector`, by `selector`, within `topologyKey`.
 */
export interface AffinityTerm {
  namespaces: Set<string>;
  selector: LabelPredicate;
  namespaceSelector: LabelPredicate;
  topologyKey: string;
  /** Identifies the term's meaning (namespaces, selectors, topology key): equal keys, equal terms. */
  key: string;
}

/** A preferred term with its weight (framework.WeightedAffinityTerm). */
export interface WeightedAffinityTerm extends AffinityTerm {
  weight: number;
}

/** A host port a pod claims: ip defaults to 0.0.0.0 and protocol to TCP, as NodePorts normalizes them. */
export interface HostPort {
  ip: string;
  protocol: string;
  port: number;
}

/** A pod plus its derived scheduling data. Immutable once built. */
export interface PodInfo {
  pod: Pod;
  uid: string;
  namespace: string;
  labels: Record<string, string> | undefined;
  priority: number;
  /** Effective requests (resourcehelper.PodRequests). */
  requests: Resource;
  /** CPU/memory with the 100m / 200Mi defaults for containers that request none (scoring). */
  nonZeroMilliCPU: number;
  nonZeroMemory: number;
  hostPorts: HostPort[];
  requiredAffinityTerms: AffinityTerm[];
  requiredAntiAffinityTerms: AffinityTerm[];
  preferredAffinityTerms: WeightedAffinityTerm[];
  preferredAntiAffinityTerms: WeightedAffinityTerm[];
}

/**
 * Compiles an affinity term (framework.newAffinityTerm): with neither namespaces nor a
 * namespaceSelector the term covers the pod's own namespace; a nil namespaceSelector selects no
 * namespace, an empty one selects all.
 */
export function newAffinityTerm(pod: Pod, term: V1PodAffinityTerm): AffinityTerm {
  const namespaces = new Set(term.namespaces ?? []);
  if (namespaces.size === 0 && !term.namespaceSelector) namespaces.add(pod.metadata?.namespace ?? '');
  return {
    namespaces,
    selector: compileLabelSelector(term.labelSelector),
    namespaceSelector: term.namespaceSelector ? compileLabelSelector(term.namespaceSelector) : matchNothing,
    topologyKey: term.topologyKey,
    key: JSON.stringify([[...namespaces].sort(), term.namespaceSelector ?? null, term.labelSelector ?? null, term.topologyKey]),
  };
}

/** Whether an affinity term selects `pod`, given the labels of the pod's namespace (AffinityTerm.Matches). */
export function termMatches(term: AffinityTerm, pod: PodInfo, nsLabels: Record<string, string> | undefined): boolean {
  if (term.namespaces.has(pod.namespace) || term.namespaceSelector(nsLabels)) return term.selector(pod.labels);
  return false;
}

function weighted(pod: Pod, terms: V1WeightedPodAffinityTerm[] | undefined): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const t of terms ?? []) if (t.weight) out.push({ ...newAffinityTerm(pod, t.podAffinityTerm), weight: t.weight });
  return out;
}

function hostPorts(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      out.push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

const NO_TERMS: never[] = [];

/** Builds the PodInfo of a pod (framework.NewPodInfo). */
export function newPodInfo(pod: Pod): PodInfo {
  const affinity = pod.spec?.affinity;
  const nonZero = podRequests(pod, true);
  const pa = affinity?.podAffinity;
  const paa = affinity?.podAntiAffinity;
  return {
    pod,
    uid: podUid(pod),
    namespace: pod.metadata?.namespace ?? '',
    labels: pod.metadata?.labels,
    priority: podPriority(pod),
    requests: podRequests(pod, false),
    nonZeroMilliCPU: nonZero.milliCPU,
    nonZeroMemory: nonZero.memory,
    hostPorts: hostPorts(pod),
    requiredAffinityTerms: pa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t) => newAffinityTerm(pod, t)) ?? NO_TERMS,
    requiredAntiAffinityTerms: paa?.requiredDuringSchedulingIgnoredDuringExecution?.map((t) => newAffinityTerm(pod, t)) ?? NO_TERMS,
    preferredAffinityTerms: pa ? weighted(pod, pa.preferredDuringSchedulingIgnoredDuringExecution) : NO_TERMS,
    preferredAntiAffinityTerms: paa ? weighted(pod, paa.preferredDuringSchedulingIgnoredDuringExecution) : NO_TERMS,
  };
}

/** Whether the pod carries any pod affinity or anti-affinity (NodeInfo.PodsWithAffinity membership). */
export function hasAffinity(p: PodInfo): boolean {
  return p.requiredAffinityTerms.length + p.requiredAntiAffinityTerms.length + p.preferredAffinityTerms.length + p.preferredAntiAffinityTerms.length > 0;
}

/** Whether the pod carries required anti-affinity (NodeInfo.PodsWithRequiredAntiAffinity membership). */
export function hasRequiredAntiAffinity(p: PodInfo): boolean {
  return p.requiredAntiAffinityTerms.length > 0;
}
