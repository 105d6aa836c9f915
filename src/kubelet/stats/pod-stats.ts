/**
 * The pure part of the pod section of `/stats/summary`, as the kubelet's CRI stats provider builds
 * it: which sandboxes and containers count, and each container's CPU and memory from the runtime's
 * ContainerStats, summed per pod. Filesystem and network figures are added by the provider.
 */
import type { Container, ContainerStats as CriContainerStats, PodSandbox } from '../cri/types.ts';
import type { ContainerStats, CpuStats, MemoryStats, PodReference } from '../../api/stats/summary.ts';
import type { CpuRateTracker } from './cpu-rate.ts';
import { nanosToTime } from './time.ts';
import { LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from '../cri-runtime.ts';


/** CRI MemoryUsage with the optional counters containerd fills in (the shared type omits them). */
type CriMemory = NonNullable<CriContainerStats['memory']> & {
  availableBytes?: { value: number } | null;
  pageFaults?: { value: number } | null;
  majorPageFaults?: { value: number } | null;
};

/** One pod to report: its newest ready sandbox and its running containers with their stats. */
export interface PodEntry {
  ref: PodReference;
  sandbox: PodSandbox;
  containers: { container: Container; name: string; stats?: CriContainerStats }[];
}

/** The pod a sandbox belongs to: labels first (set by the kubelet), CRI metadata otherwise. */
export function podRefOf(sandbox: PodSandbox): PodReference {
  const l = sandbox.labels ?? {};
  return {
    name: l[LABEL_POD_NAME] ?? sandbox.metadata?.name ?? '',
    namespace: l[LABEL_POD_NAMESPACE] ?? sandbox.metadata?.namespace ?? '',
    uid: l[LABEL_POD_UID] ?? sandbox.metadata?.uid ?? '',
  };
}

/**
 * The pods the kubelet reports: per pod UID only the newest ready sandbox (older attempts are
 * leftovers), and in it only running containers, since terminated ones must not count toward
 * usage (cri_stats_provider's removeTerminatedPods and removeTerminatedContainers).
 */
export function selectPods(sandboxes: PodSandbox[], containers: Container[], stats: CriContainerStats[]): PodEntry[] {
  const newest = new Map<string, PodSandbox>();
  for (const sandbox of sandboxes) {
    if (sandbox.state !== 'SANDBOX_READY') continue;
    const uid = podRefOf(sandbox).uid;
    const seen = newest.get(uid);
    if (!seen || sandbox.createdAt > seen.createdAt) newest.set(uid, sandbox);
  }
  const bySandbox = new Map<string, PodEntry>();
  for (const sandbox of newest.values()) bySandbox.set(sandbox.id, { ref: podRefOf(sandbox), sandbox, containers: [] });
  const statsById = new Map(stats.filter((s) => s.attributes).map((s) => [s.attributes!.id, s]));
  for (const container of [...containers].sort((a, b) => a.createdAt - b.createdAt)) {
    const entry = bySandbox.get(container.podSandboxId);
    if (!entry || container.state !== 'CONTAINER_RUNNING') continue;
    const name = container.labels?.[LABEL_CONTAINER_NAME] ?? container.metadata?.name ?? '';
    entry.containers.push({ container, name, stats: statsById.get(container.id) });
  }
  // Byte order, as Go sorts strings: localeCompare would fault in ICU's collation data (~4 MiB of the agent's memory).
  const key = (e: PodEntry) => `${e.ref.namespace}/${e.ref.name}`;
  return [...bySandbox.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** CPU of one container; usageNanoCores from our own previous sample of the cumulative counter. */
export function containerCpu(id: string, stats: CriContainerStats | undefined, rates: CpuRateTracker, fallbackTimeNs: number): CpuStats | undefined {
  const cpu = stats?.cpu;
  if (!cpu || !cpu.usageCoreNanoSeconds) return undefined;
  const timeNs = cpu.timestamp || fallbackTimeNs;
  const usage = cpu.usageCoreNanoSeconds.value;
  // Without an earlier sample of ours, the runtime's own average (containerd keeps one) is the best figure.
  const rate = rates.observe(id, timeNs, usage) ?? cpu.usageNanoCores?.value;
  return { time: nanosToTime(timeNs), ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: usage };
}

/** Memory of one container as the runtime measured it (working set = usage - inactive_file). */
export function containerMemory(stats: CriContainerStats | undefined, fallbackTimeNs: number): MemoryStats | undefined {
  const mem = stats?.memory as CriMemory | null | undefined;
  if (!mem || !mem.workingSetBytes) return undefined;
  const out: MemoryStats = { time: nanosToTime(mem.timestamp || fallbackTimeNs) };
  if (mem.availableBytes?.value) out.availableBytes = mem.availableBytes.value;
  if (mem.usageBytes) out.usageBytes = mem.usageBytes.value;
  out.workingSetBytes = mem.workingSetBytes.value;
  if (mem.rssBytes) out.rssBytes = mem.rssBytes.value;
  if (mem.pageFaults) out.pageFaults = mem.pageFaults.value;
  if (mem.majorPageFaults) out.majorPageFaults = mem.majorPageFaults.value;
  return out;
}

function sumField<T>(items: (T | undefined)[], pick: (item: T) => number | undefined): number | undefined {
  let total: number | undefined;
  for (const item of items) {
    const v = item === undefined ? undefined : pick(item);
    if (v !== undefined) total = (total ?? 0) + v;
  }
  return total;
}

function latest(times: (string | undefined)[], fallback: string): string {
  return times.filter((t): t is string => Boolean(t)).sort().at(-1) ?? fallback;
}

/**
 * Pod CPU and memory as the sum of its containers (what the kubelet reports when the pod cgroup is
 * not read directly); usageNanoCores sums the containers' rates over their common window.
 */
export function sumPodCpuMemory(containers: ContainerStats[], time: string): { cpu?: CpuStats; memory?: MemoryStats } {
  const cpus = containers.map((c) => c.cpu);
  const mems = containers.map((c) => c.memory);
  const out: { cpu?: CpuStats; memory?: MemoryStats } = {};
  const usage = sumField(cpus, (c) => c.usageCoreNanoSeconds);
  if (usage !== undefined) {
    const rate = sumField(cpus, (c) => c.usageNanoCores);
    out.cpu = { time: latest(cpus.map((c) => c?.time), time), ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: usage };
  }
  const ws = sumField(mems, (m) => m.workingSetBytes);
  if (ws !== undefined) {
    const memory: MemoryStats = { time: latest(mems.map((m) => m?.time), time) };
    const usageBytes = sumField(mems, (m) => m.usageBytes);
    if (usageBytes !== undefined) memory.usageBytes = usageBytes;
    memory.workingSetBytes = ws;
    const rss = sumField(mems, (m) => m.rssBytes);
    if (rss !== undefined) memory.rssBytes = rss;
    const faults = sumField(mems, (m) => m.pageFaults);
    if (faults !== undefined) memory.pageFaults = faults;
    const major = sumField(mems, (m) => m.majorPageFaults);
    if (major !== undefined) memory.majorPageFaults = major;
    out.memory = memory;
  }
  return out;
}

/** The CPU/memory part of one container's entry (name, start time = container creation, usage). */
export function containerEntry(item: PodEntry['containers'][number], rates: CpuRateTracker, nowNs: number): ContainerStats {
  const out: ContainerStats = { name: item.name, startTime: nanosToTime(item.container.createdAt) };
  const cpu = containerCpu(item.container.id, item.stats, rates, nowNs);
  if (cpu) out.cpu = cpu;
  const memory = containerMemory(item.stats, nowNs);
  if (memory) out.memory = memory;
  return out;
}
