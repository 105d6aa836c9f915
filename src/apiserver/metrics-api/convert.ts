/**
 * Kubelet summaries to metrics.k8s.io/v1beta1 objects, as metrics-server builds them: CPU in
 * nanocores (`123456789n`, canonicalised like resource.Quantity), memory as the working set in
 * binary SI (`10240Ki`), the sample's timestamp and the window the CPU rate was averaged over.
 */
import type { KubeObject } from '../../api/object.ts';
import { nowTimestamp } from '../../api/object.ts';
import { formatNanoCores, formatQuantity } from '../../api/quantity-format.ts';
import type { CpuStats, MemoryStats, PodStats, Summary } from '../../api/stats/summary.ts';

/** The API group/version metrics-server serves. */
export const METRICS_API_VERSION = 'metrics.k8s.io/v1beta1';

/** cpu and memory usage as Quantity strings (a corev1.ResourceList). */
export interface Usage {
  cpu: string;
  memory: string;
}

/** NodeMetrics as JSON. */
export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

/** PodMetrics as JSON. */
export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Usage }[];
}

/** A duration as Go's time.Duration.String() writes it (metav1.Duration): `10s`, `10.5s`, `1m30s`, `250ms`. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${+ms.toFixed(6)}ms`;
  const total = ms / 1000;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total - hours * 3600) / 60);
  const seconds = +(total - hours * 3600 - minutes * 60).toFixed(9);
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}

/** The usage of one CPU/memory pair, or undefined when either figure is missing (no rate yet). */
export function usageOf(cpu: CpuStats | undefined, memory: MemoryStats | undefined): Usage | undefined {
  // Figures come from kubelets over the network: anything but a finite number counts as missing.
  if (!isCount(cpu?.usageNanoCores) || !isCount(memory?.workingSetBytes)) return undefined;
  return { cpu: formatNanoCores(cpu!.usageNanoCores!), memory: formatQuantity(memory!.workingSetBytes!, true) };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function labelsOf(object: KubeObject): { labels?: Record<string, string> } {
  const labels = object.metadata.labels;
  return labels && Object.keys(labels).length ? { labels } : {};
}

/** A node's metrics from its kubelet's summary, or undefined when the summary lacks CPU or memory. */
export function nodeMetrics(node: KubeObject, summary: Summary, windowMs: number, now = new Date()): NodeMetrics | undefined {
  const usage = usageOf(summary.node.cpu, summary.node.memory);
  if (!usage) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: node.metadata.name!, creationTimestamp: nowTimestamp(now), ...labelsOf(node) },
    timestamp: summary.node.cpu!.time,
    window: goDuration(windowMs),
    usage,
  };
}

/**
 * A pod's metrics from its entry in the summary. Like metrics-server, a pod is left out unless
 * every running container has both CPU and memory (partial sums would under-report).
 */
export function podMetrics(pod: KubeObject, stats: PodStats, windowMs: number, now = new Date()): PodMetrics | undefined {
  const containers: PodMetrics['containers'] = [];
  for (const c of stats.containers) {
    const usage = usageOf(c.cpu, c.memory);
    if (!usage) return undefined;
    containers.push({ name: c.name, usage });
  }
  if (containers.length === 0) return undefined;
  const times = stats.containers.map((c) => c.cpu!.time).sort();
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_API_VERSION,
    metadata: { name: pod.metadata.name!, namespace: pod.metadata.namespace!, creationTimestamp: nowTimestamp(now), ...labelsOf(pod) },
    timestamp: times[times.length - 1],
    window: goDuration(windowMs),
    containers,
  };
}
