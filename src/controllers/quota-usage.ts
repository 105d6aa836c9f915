/**
 * What objects charge against a ResourceQuota (k8s.io/kubernetes/pkg/quota/v1/evaluator/core):
 * pods (pods, count/pods, cpu/memory/ephemeral-storage requests and limits), services (nodeports,
 * loadbalancers), persistent volume claims (requests.storage), and plain object counts. Usage is
 * a map of resource name to a number plus the quantity format it prints in. Pure functions.
 */
import type { KubeObject } from '../api/object.ts';
import { parseQuantity } from '../api/validation/quantity.ts';
import { formatQuantity } from '../api/quantity-format.ts';

/** One summed quantity: its value and whether it prints in binary SI (`Mi`) like its first term. */
export interface Amount {
  value: number;
  binary: boolean;
}

/** Resource name -> amount used. */
export type Usage = Map<string, Amount>;

/** Adds `value` (a quantity string or number) under `name`; the format is the first non-zero term's (Quantity.Add). */
export function addTo(usage: Usage, name: string, quantity: string | number): void {
  const value = parseQuantity(quantity) ?? 0;
  const binary = typeof quantity === 'string' && /i$/.test(quantity);
  const old = usage.get(name);
  if (!old) usage.set(name, { value, binary });
  else usage.set(name, { value: old.value + value, binary: old.value === 0 ? binary : old.binary });
}

/**
 * The canonical string of a summed quantity (Quantity.String), in binary SI when its first term
 * was binary; see formatQuantity.
 */
export function formatAmount(amount: Amount): string {
  return formatQuantity(amount.value, amount.binary);
}

interface Container {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

/** A pod as the quota reads it. */
export interface QuotaPod extends KubeObject {
  spec?: { containers?: Container[]; initContainers?: Container[]; overhead?: Record<string, string | number>; activeDeadlineSeconds?: number };
  status?: { phase?: string };
}

/** Requests of one container: its requests, with limits standing in where no request is set (API defaulting). */
function containerRequests(c: Container): Record<string, string | number> {
  return { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
}

/**
 * A pod's effective requests or limits (resourcehelper.PodRequests/PodLimits): the sum over its
 * containers, raised to any single init container's value, plus the pod overhead.
 */
export function podResources(pod: QuotaPod, which: 'requests' | 'limits'): Usage {
  const pick = (c: Container) => (which === 'requests' ? containerRequests(c) : (c.resources?.limits ?? {}));
  const sum: Usage = new Map();
  for (const c of pod.spec?.containers ?? []) for (const [name, q] of Object.entries(pick(c))) addTo(sum, name, q);
  for (const c of pod.spec?.initContainers ?? []) {
    for (const [name, q] of Object.entries(pick(c))) {
      const init: Usage = new Map();
      addTo(init, name, q);
      const have = sum.get(name);
      if (!have || init.get(name)!.value > have.value) sum.set(name, init.get(name)!);
    }
  }
  for (const [name, q] of Object.entries(pod.spec?.overhead ?? {})) if (sum.has(name)) addTo(sum, name, q);
  return sum;
}

/**
 * Whether a pod still charges compute quota (QuotaV1Pod): not Succeeded or Failed, and not past
 * its deletion grace period.
 */
export function podCountsForQuota(pod: QuotaPod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const { deletionTimestamp, deletionGracePeriodSeconds } = pod.metadata;
  if (deletionTimestamp && deletionGracePeriodSeconds !== undefined && now > Date.parse(deletionTimestamp) + deletionGracePeriodSeconds * 1000) return false;
  return true;
}

/** Pod-scoped quota scopes (Terminating, NotTerminating, BestEffort, NotBestEffort); other scopes match every pod. */
export function podMatchesScopes(pod: QuotaPod, scopes: string[]): boolean {
  const terminating = pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds >= 0;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  const bestEffort = all.every((c) => !['cpu', 'memory'].some((r) => c.resources?.requests?.[r] !== undefined || c.resources?.limits?.[r] !== undefined));
  return scopes.every((scope) => {
    if (scope === 'Terminating') return terminating;
    if (scope === 'NotTerminating') return !terminating;
    if (scope === 'BestEffort') return bestEffort;
    if (scope === 'NotBestEffort') return !bestEffort;
    return true;
  });
}

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/**
 * What one pod charges (PodUsageFunc): `count/pods` always (it counts stored objects); `pods`,
 * `cpu`/`requests.cpu`, `limits.cpu` and the same for memory and ephemeral-storage only while the
 * pod counts (podCountsForQuota); extended and hugepages requests as `requests.<name>`.
 */
export function podUsage(pod: QuotaPod, now: number): Usage {
  const usage: Usage = new Map();
  addTo(usage, 'count/pods', 1);
  if (!podCountsForQuota(pod, now)) return usage;
  addTo(usage, 'pods', 1);
  const requests = podResources(pod, 'requests');
  const limits = podResources(pod, 'limits');
  for (const name of COMPUTE) {
    const request = requests.get(name);
    if (request) {
      usage.set(name, request);
      usage.set(`requests.${name}`, request);
    }
    const limit = limits.get(name);
    if (limit) usage.set(`limits.${name}`, limit);
  }
  for (const [name, amount] of requests) {
    if (name.startsWith('hugepages-')) usage.set(name, amount);
    if (name.startsWith('hugepages-') || (name.includes('/') && !name.startsWith('kubernetes.io/'))) usage.set(`requests.${name}`, amount);
  }
  return usage;
}

/** What a Service charges: `services.nodeports` per node port, `services.loadbalancers` for type LoadBalancer. */
export function serviceUsage(service: KubeObject): Usage {
  const spec = (service.spec ?? {}) as { type?: string; ports?: { nodePort?: number }[] };
  const usage: Usage = new Map();
  addTo(usage, 'services', 1);
  addTo(usage, 'count/services', 1);
  const withNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
  addTo(usage, 'services.nodeports', withNodePorts ? (spec.ports ?? []).length : 0);
  addTo(usage, 'services.loadbalancers', spec.type === 'LoadBalancer' ? 1 : 0);
  return usage;
}

/** What a PersistentVolumeClaim charges: the claim and its requested storage (also per storage class). */
export function pvcUsage(pvc: KubeObject): Usage {
  const spec = (pvc.spec ?? {}) as { storageClassName?: string; resources?: { requests?: { storage?: string } } };
  const usage: Usage = new Map();
  addTo(usage, 'persistentvolumeclaims', 1);
  addTo(usage, 'count/persistentvolumeclaims', 1);
  const storage = spec.resources?.requests?.storage ?? 0;
  addTo(usage, 'requests.storage', storage);
  if (spec.storageClassName) {
    addTo(usage, `${spec.storageClassName}.storageclass.storage.k8s.io/requests.storage`, storage);
    addTo(usage, `${spec.storageClassName}.storageclass.storage.k8s.io/persistentvolumeclaims`, 1);
  }
  return usage;
}

/** Sums usages (quota.Add). */
export function sumUsage(parts: Usage[]): Usage {
  const total: Usage = new Map();
  for (const part of parts) {
    for (const [name, amount] of part) {
      const old = total.get(name);
      if (!old) total.set(name, { ...amount });
      else total.set(name, { value: old.value + amount.value, binary: old.value === 0 ? amount.binary : old.binary });
    }
  }
  return total;
}
