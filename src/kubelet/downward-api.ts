/**
 * Downward API values, shared by env vars and downwardAPI/projected volumes: pod fields by field
 * path (Kubernetes' fieldpath.ExtractFieldPathAsString plus the kubelet's runtime fields) and
 * container resources by name with a divisor (ExtractContainerResourceValue).
 */
import { parseQuantity } from '../api/validation/quantity.ts';
import type { ContainerSpec, KubeletPod, ResourceFieldRefSpec } from './runtime-interface.ts';

/** Runtime facts a field path may ask for that are not in the pod object itself. */
export interface PodRuntimeFacts {
  /** Node addresses, first one is status.hostIP. */
  hostIPs?: string[];
  /** Pod addresses, first one is status.podIP. */
  podIPs?: string[];
}

/** fieldpath.FormatMap: `key="value"` lines sorted by key, values Go-quoted, no trailing newline. */
export function formatMap(map: Record<string, string> | undefined): string {
  return Object.keys(map ?? {})
    .sort()
    .map((key) => `${key}=${goQuote(map![key])}`)
    .join('\n');
}

/** Go's %q for a string; JSON quoting matches it for printable text. */
function goQuote(value: string): string {
  return JSON.stringify(value);
}

/** `metadata.labels['key']` style subscripts (SplitMaybeSubscriptedPath). */
function splitSubscript(path: string): { path: string; key?: string } {
  const m = /^(.*)\['(.*)'\]$/.exec(path);
  return m ? { path: m[1], key: m[2] } : { path };
}

/**
 * The value of a pod field, as ExtractFieldPathAsString and the kubelet's
 * podFieldSelectorRuntimeValue give it. Throws `unsupported fieldPath: X` for other paths.
 */
export function podFieldValue(pod: KubeletPod, fieldPath: string, facts: PodRuntimeFacts = {}): string {
  const spec = pod.spec as Record<string, unknown>;
  switch (fieldPath) {
    case 'spec.nodeName':
      return String(spec.nodeName ?? '');
    case 'spec.serviceAccountName':
      return String(spec.serviceAccountName ?? '');
    case 'status.hostIP':
      return facts.hostIPs?.[0] ?? '';
    case 'status.hostIPs':
      return (facts.hostIPs ?? []).join(',');
    case 'status.podIP':
      return facts.podIPs?.[0] ?? '';
    case 'status.podIPs':
      return (facts.podIPs ?? []).join(',');
  }
  const meta = pod.metadata;
  const { path, key } = splitSubscript(fieldPath);
  if (key !== undefined) {
    if (path === 'metadata.annotations') return meta.annotations?.[key] ?? '';
    if (path === 'metadata.labels') return meta.labels?.[key] ?? '';
    throw new Error(`fieldPath ${JSON.stringify(fieldPath)} does not support subscript`);
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/**
 * The container with its limits defaulted to the node's allocatable where unset, as the kubelet
 * does before answering downward API resource requests (defaultPodLimitsForDownwardAPI).
 */
export function withAllocatableLimits(container: ContainerSpec, allocatable: Record<string, string | number> | undefined): ContainerSpec {
  if (!allocatable) return container;
  const limits = { ...container.resources?.limits };
  for (const [name, value] of Object.entries(allocatable)) if (limits[name] === undefined) limits[name] = value;
  return { ...container, resources: { ...container.resources, limits } };
}

/**
 * A container resource as a string (ExtractContainerResourceValue): cpu rounded up in units of the
 * divisor's millicores, memory and ephemeral storage and hugepages rounded up in units of the
 * divisor's bytes. The divisor defaults to 1.
 */
export function containerResourceValue(ref: ResourceFieldRefSpec, container: ContainerSpec): string {
  const divisor = parseQuantity(ref.divisor ?? '1') || 1;
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  const table = kind === 'limits' ? container.resources?.limits : kind === 'requests' ? container.resources?.requests : undefined;
  const known = name === 'cpu' || name === 'memory' || name === 'ephemeral-storage' || name.startsWith('hugepages-');
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests') || !known) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  const amount = parseQuantity(table?.[name] ?? 0) ?? 0;
  if (name === 'cpu') return String(Math.ceil(Math.ceil(amount * 1000) / Math.ceil(divisor * 1000)));
  return String(Math.ceil(Math.ceil(amount) / Math.ceil(divisor)));
}
