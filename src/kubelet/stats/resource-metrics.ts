/**
 * The kubelet's `/metrics/resource` endpoint (pkg/kubelet/metrics/collectors/resource_metrics.go):
 * node, pod and container CPU and working-set metrics in the Prometheus text format, each sample
 * carrying the time it was measured (milliseconds), as metrics-server expects.
 */
import type { CpuStats, MemoryStats, Summary } from '../../api/stats/summary.ts';

/** Content-Type of the Prometheus text format version 0.0.4, as the kubelet answers it. */
export const PROMETHEUS_TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: string[];
}

/** A float as Go's strconv.FormatFloat(v, 'g', -1, 64), which the Prometheus text encoder uses. */
export function goFloat(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  if (value === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(value)));
  // Shortest round-trip digits; strconv's 'g' with precision -1 switches to the exponent form when
  // the decimal exponent is below -4 or at least 6 (so 12345678 prints as 1.2345678e+07).
  if (exp < -4 || exp >= 6) {
    const [mantissa, e] = value.toExponential().split('e');
    const n = Number(e);
    return `${mantissa}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return String(value);
}

function labels(pairs: Record<string, string>): string {
  const keys = Object.keys(pairs).sort();
  if (keys.length === 0) return '';
  const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${keys.map((k) => `${k}="${escape(pairs[k])}"`).join(',')}}`;
}

function sample(name: string, pairs: Record<string, string>, value: number, time?: string): string {
  const ts = time ? ` ${Date.parse(time)}` : '';
  return `${name}${labels(pairs)} ${goFloat(value)}${ts}`;
}

function cpuSeconds(cpu: CpuStats | undefined): number | undefined {
  return cpu?.usageCoreNanoSeconds === undefined ? undefined : cpu.usageCoreNanoSeconds / 1e9;
}

function workingSet(memory: MemoryStats | undefined): number | undefined {
  return memory?.workingSetBytes;
}

/**
 * Renders the resource metrics of a summary, or only `resource_scrape_error 1` when the summary
 * could not be taken. Families are sorted by name and labels by key, as client_golang writes them.
 */
export function resourceMetricsText(summary: Summary | undefined): string {
  const fam = (name: string, help: string, type: Family['type']): Family => ({ name, help: `[STABLE] ${help}`, type, samples: [] });
  const containerCpu = fam('container_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the container in core-seconds', 'counter');
  const containerMem = fam('container_memory_working_set_bytes', 'Current working set of the container in bytes', 'gauge');
  const containerStart = fam('container_start_time_seconds', 'Start time of the container since unix epoch in seconds', 'gauge');
  const nodeCpu = fam('node_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the node in core-seconds', 'counter');
  const nodeMem = fam('node_memory_working_set_bytes', 'Current working set of the node in bytes', 'gauge');
  const podCpu = fam('pod_cpu_usage_seconds_total', 'Cumulative cpu time consumed by the pod in core-seconds', 'counter');
  const podMem = fam('pod_memory_working_set_bytes', 'Current working set of the pod in bytes', 'gauge');
  const scrapeError = fam('resource_scrape_error', '1 if there was an error while getting container metrics, 0 otherwise', 'gauge');
  scrapeError.samples.push(sample(scrapeError.name, {}, summary ? 0 : 1));
  if (summary) {
    const { node } = summary;
    const nodeSeconds = cpuSeconds(node.cpu);
    if (nodeSeconds !== undefined) nodeCpu.samples.push(sample(nodeCpu.name, {}, nodeSeconds, node.cpu!.time));
    const nodeWs = workingSet(node.memory);
    if (nodeWs !== undefined) nodeMem.samples.push(sample(nodeMem.name, {}, nodeWs, node.memory!.time));
    for (const pod of summary.pods) {
      const podLabels = { pod: pod.podRef.name, namespace: pod.podRef.namespace };
      for (const c of pod.containers) {
        const l = { ...podLabels, container: c.name };
        const started = Date.parse(c.startTime);
        // The start time has no timestamp of its own in kubelet's output.
        if (started > 0) containerStart.samples.push(sample(containerStart.name, l, started / 1000));
        const seconds = cpuSeconds(c.cpu);
        if (seconds !== undefined) containerCpu.samples.push(sample(containerCpu.name, l, seconds, c.cpu!.time));
        const ws = workingSet(c.memory);
        if (ws !== undefined) containerMem.samples.push(sample(containerMem.name, l, ws, c.memory!.time));
      }
      const seconds = cpuSeconds(pod.cpu);
      if (seconds !== undefined) podCpu.samples.push(sample(podCpu.name, podLabels, seconds, pod.cpu!.time));
      const ws = workingSet(pod.memory);
      if (ws !== undefined) podMem.samples.push(sample(podMem.name, podLabels, ws, pod.memory!.time));
    }
  }
  const families = [containerCpu, containerMem, containerStart, nodeCpu, nodeMem, podCpu, podMem, scrapeError];
  return families
    .filter((f) => f.samples.length > 0)
    .map((f) => `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n${f.samples.join('\n')}\n`)
    .join('');
}
