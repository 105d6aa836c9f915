import { basename, dirname, join } from 'node:path';
import { readdir } from 'node:fs/promises';
import type { Container, ContainerStats as CriContainerStats, ContainerStatus, FilesystemUsage, PodSandbox } from '../cri/types.ts';
import type { ContainerStats, FsStats, InterfaceStats, NetworkStats, NodeStats, PodStats, Summary, VolumeStats } from '../../api/stats/summary.ts';
import { CpuRateTracker } from './cpu-rate.ts';
import {
  HOST_PATHS, directoryUsage, readContainerCpuNanos, filesystemStats, readBootTime, readInterfaces, readNodeCpuNanos, readNodeMemory, readProcessLimits,
  readProcessUsage, type HostPaths,
} from './host-stats.ts';
import { containerEntry, selectPods, sumPodCpuMemory, type PodEntry } from './pod-stats.ts';
import { nanosToTime } from './time.ts';

/**
 * The runtime calls the stats provider needs: the CRI list calls (containerd 1.6 implements
 * ListContainerStats but not ListPodSandboxStats, so pod figures are summed from containers) and,
 * optionally, ImageFsInfo and a sandbox's pause process (for its network namespace).
 */
export interface StatsRuntime {
  listPodSandbox(): Promise<PodSandbox[]>;
  listContainers(): Promise<Container[]>;
  listContainerStats(): Promise<CriContainerStats[]>;
  containerStatus(containerId: string): Promise<ContainerStatus>;
  imageFsInfo?(): Promise<FilesystemUsage[]>;
  sandboxPid?(podSandboxId: string): Promise<number | undefined>;
}

/** Options of `StatsProvider`. */
export interface StatsProviderOptions {
  nodeName: string;
  runtime: StatsRuntime;
  /** The kubelet's root directory; its filesystem is the node fs. */
  rootDir: string;
  /** `<podsDir>/<uid>/volumes/<plugin>/<volume>`: where volumes are mounted (volume stats); none when absent. */
  podsDir?: string;
  /** The containerd process, reported as the `runtime` system container. */
  runtimePid?: number;
  paths?: HostPaths;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

/** What a summary request asks for: everything, or CPU and memory only (metrics-server's query). */
export interface SummaryOptions {
  onlyCpuAndMemory?: boolean;
}

/** The interface the kubelet reports inline in NetworkStats (kubelet's network.DefaultInterfaceName). */
const DEFAULT_INTERFACE = 'eth0';
/** Interfaces cAdvisor leaves out of node network stats: loopback, pod veths and bridges. */
const IGNORED_INTERFACE = /^(lo|veth|docker|cni|flannel|skiff|nerdctl)/;
/** Volume plugins whose data lives on the node's disk and so counts as ephemeral storage. */
const EPHEMERAL_VOLUME_PLUGINS = new Set(['kubernetes.io~empty-dir', 'kubernetes.io~configmap', 'kubernetes.io~downward-api', 'kubernetes.io~git-repo']);

/**
 * Builds the kubelet's `/stats/summary` from the CRI and the host, keeping the previous CPU
 * sample per container and for the node so that usageNanoCores is an average between two
 * samples. `start()` samples CPU in the background (like cAdvisor's housekeeping) so the first
 * scrape already has rates.
 */
export class StatsProvider {
  private readonly rates = new CpuRateTracker();
  private readonly logDirs = new Map<string, string>();
  private readonly paths: HostPaths;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly options: StatsProviderOptions) {
    this.paths = options.paths ?? HOST_PATHS;
    this.now = options.now ?? Date.now;
  }

  /** Samples CPU counters every `intervalMs` until `stop()`; the timer never keeps the process alive. */
  start(intervalMs = 10_000): void {
    if (this.timer) return;
    void this.sampleCpu();
    this.timer = setInterval(() => void this.sampleCpu(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One CPU sample of the node and every container; failures wait for the next tick. */
  async sampleCpu(): Promise<void> {
    try {
      const nowNs = this.now() * 1e6;
      const node = await readNodeCpuNanos(this.paths);
      if (node !== undefined) this.rates.observe('node', nowNs, node);
      // The counters straight from the cgroups, as cAdvisor's housekeeping reads them: asking
      // containerd costs it a call to every container's shim (~0.6 s of its time with 100 pods, every
      // 10 s, competing with pod starts). The runtime is asked only when the cgroups are elsewhere.
      const fromCgroups = await readContainerCpuNanos(this.paths);
      const samples = fromCgroups
        ? [...fromCgroups].map(([id, usage]) => ({ id, usage, timeNs: nowNs }))
        : (await this.options.runtime.listContainerStats()).map((s) => ({ id: s.attributes?.id, usage: s.cpu?.usageCoreNanoSeconds?.value, timeNs: s.cpu?.timestamp || nowNs }));
      for (const { id, usage, timeNs } of samples) if (id && usage !== undefined) this.rates.observe(id, timeNs, usage);
      // Containers that went are forgotten here too, not only at a scrape: an agent nobody scrapes
      // would otherwise keep a sample of every container it ever ran.
      this.rates.retain(new Set(['node', 'system/kubelet', 'system/runtime', ...samples.map((x) => x.id ?? '')]));
    } catch {
      // The next scrape or tick tries again; a runtime restart must not crash the kubelet.
    }
  }

  /** The Summary; rejects when the runtime cannot be listed (the kubelet answers 500 then). */
  async summary(options: SummaryOptions = {}): Promise<Summary> {
    const nowNs = this.now() * 1e6;
    const time = nanosToTime(nowNs);
    const { runtime } = this.options;
    const [sandboxes, containers, stats] = await Promise.all([runtime.listPodSandbox(), runtime.listContainers(), runtime.listContainerStats()]);
    const entries = selectPods(sandboxes, containers, stats);
    this.rates.retain(new Set(['node', 'system/kubelet', 'system/runtime', ...stats.map((s) => s.attributes?.id ?? '')]));
    const full = !options.onlyCpuAndMemory;
    const imageFs = full ? await this.imageFs(time) : undefined;
    const nodeFs = full ? await filesystemStats(this.options.rootDir, time) : undefined;
    const pods = await Promise.all(entries.map((e) => this.podStats(e, nowNs, time, full ? { imageFs, nodeFs } : undefined)));
    const live = new Set(containers.map((c) => c.id));
    for (const id of this.logDirs.keys()) if (!live.has(id)) this.logDirs.delete(id);
    return { node: await this.nodeStats(nowNs, time, pods, full ? { imageFs, nodeFs } : undefined), pods };
  }

  private async nodeStats(nowNs: number, time: string, pods: PodStats[], fs?: { imageFs?: FsStats; nodeFs?: FsStats }): Promise<NodeStats> {
    const boot = await readBootTime(this.paths);
    const node: NodeStats = { nodeName: this.options.nodeName, startTime: nanosToTime((boot ?? 0) * 1e9), systemContainers: await this.systemContainers(time, pods) };
    const cpuNanos = await readNodeCpuNanos(this.paths);
    if (cpuNanos !== undefined) {
      const rate = this.rates.observe('node', nowNs, cpuNanos);
      node.cpu = { time, ...(rate !== undefined ? { usageNanoCores: rate } : {}), usageCoreNanoSeconds: cpuNanos };
    }
    const mem = await readNodeMemory(this.paths);
    if (mem) {
      node.memory = { time, availableBytes: Math.max(0, mem.capacityBytes - mem.workingSetBytes), usageBytes: mem.usageBytes, workingSetBytes: mem.workingSetBytes };
      if (mem.rssBytes !== undefined) node.memory.rssBytes = mem.rssBytes;
      if (mem.pageFaults !== undefined) node.memory.pageFaults = mem.pageFaults;
      if (mem.majorPageFaults !== undefined) node.memory.majorPageFaults = mem.majorPageFaults;
    }
    if (!fs) return node;
    const interfaces = (await readInterfaces('self', this.paths))?.filter((i) => !IGNORED_INTERFACE.test(i.name));
    if (interfaces?.length) node.network = networkStats(time, interfaces);
    if (fs.nodeFs) node.fs = fs.nodeFs;
    if (fs.imageFs) node.runtime = { imageFs: fs.imageFs };
    node.rlimit = { time, ...(await readProcessLimits(this.paths)) };
    return node;
  }

  /** `kubelet` (this process), `runtime` (containerd, when its pid is known) and `pods` (their sum). */
  private async systemContainers(time: string, pods: PodStats[]): Promise<ContainerStats[]> {
    const out: ContainerStats[] = [];
    const boot = (await readBootTime(this.paths)) ?? 0;
    for (const [name, pid] of [['kubelet', process.pid], ['runtime', this.options.runtimePid]] as const) {
      if (pid === undefined) continue;
      const usage = await readProcessUsage(pid, this.paths);
      if (!usage) continue;
      out.push({
        name,
        startTime: nanosToTime((boot + usage.startTicks / 100) * 1e9),
        cpu: { time, usageCoreNanoSeconds: usage.cpuNanos, ...rateField(this.rates.observe(`system/${name}`, this.now() * 1e6, usage.cpuNanos)) },
        memory: { time, usageBytes: usage.rssBytes, workingSetBytes: usage.rssBytes, rssBytes: usage.rssBytes },
      });
    }
    const sum = sumPodCpuMemory(pods.map((p) => ({ name: '', startTime: '', cpu: p.cpu, memory: p.memory })), time);
    out.push({ name: 'pods', startTime: nanosToTime(boot * 1e9), ...sum });
    return out;
  }

  private async podStats(entry: PodEntry, nowNs: number, time: string, fs?: { imageFs?: FsStats; nodeFs?: FsStats }): Promise<PodStats> {
    const containers = entry.containers.map((c) => containerEntry(c, this.rates, nowNs));
    const pod: PodStats = { podRef: entry.ref, startTime: nanosToTime(entry.sandbox.createdAt), containers, ...sumPodCpuMemory(containers, time) };
    if (!fs) return pod;
    for (const [i, item] of entry.containers.entries()) {
      const used = item.stats?.writableLayer?.usedBytes?.value;
      containers[i].rootfs = { ...withCapacity(fs.imageFs, time), ...(used !== undefined ? { usedBytes: used } : {}) };
      const logs = await this.logUsage(item.container.id);
      containers[i].logs = { ...withCapacity(fs.nodeFs, time), ...(logs ? { usedBytes: logs.bytes, inodesUsed: logs.inodes } : {}) };
    }
    const pid = await this.options.runtime.sandboxPid?.(entry.sandbox.id).catch(() => undefined);
    const interfaces = pid ? await readInterfaces(pid, this.paths) : undefined;
    const podInterfaces = interfaces?.filter((i) => i.name !== 'lo');
    if (podInterfaces?.length) pod.network = networkStats(time, podInterfaces);
    const volumes = await this.volumeStats(entry.ref.uid, time);
    if (volumes.length) pod.volume = volumes.map((v) => v.stats);
    let used = 0;
    for (const c of containers) used += (c.rootfs?.usedBytes ?? 0) + (c.logs?.usedBytes ?? 0);
    for (const v of volumes) if (v.ephemeral) used += v.stats.usedBytes ?? 0;
    pod['ephemeral-storage'] = { ...withCapacity(fs.nodeFs, time), usedBytes: used };
    return pod;
  }

  /** Bytes and inodes of a container's log directory (`/var/log/pods/NS_NAME_UID/CONTAINER`). */
  private async logUsage(containerId: string) {
    let dir = this.logDirs.get(containerId);
    if (dir === undefined) {
      const status = await this.options.runtime.containerStatus(containerId).catch(() => undefined);
      dir = status?.logPath ? dirname(status.logPath) : '';
      this.logDirs.set(containerId, dir);
    }
    return dir ? directoryUsage(dir) : undefined;
  }

  private async volumeStats(uid: string, time: string): Promise<{ stats: VolumeStats; ephemeral: boolean }[]> {
    if (!this.options.podsDir || !uid) return [];
    const root = join(this.options.podsDir, uid, 'volumes');
    const out: { stats: VolumeStats; ephemeral: boolean }[] = [];
    for (const plugin of await readdir(root).catch(() => [] as string[])) {
      for (const name of await readdir(join(root, plugin)).catch(() => [] as string[])) {
        const path = join(root, plugin, name);
        const [fs, usage] = await Promise.all([filesystemStats(path, time), directoryUsage(path)]);
        const stats: VolumeStats = { ...withCapacity(fs, time), ...(usage ? { usedBytes: usage.bytes, inodesUsed: usage.inodes } : {}), name: basename(path) };
        out.push({ stats, ephemeral: EPHEMERAL_VOLUME_PLUGINS.has(plugin) });
      }
    }
    return out;
  }

  /** ImageFsInfo's usage plus the capacity of the filesystem it lives on. */
  private async imageFs(time: string): Promise<FsStats | undefined> {
    const info = await this.options.runtime.imageFsInfo?.().catch(() => undefined);
    const first = info?.[0];
    if (!first) return undefined;
    const fs = first.fsId?.mountpoint ? await filesystemStats(first.fsId.mountpoint, time) : undefined;
    const out: FsStats = { ...withCapacity(fs, time) };
    if (first.usedBytes) out.usedBytes = first.usedBytes.value;
    if (first.inodesUsed) out.inodesUsed = first.inodesUsed.value;
    return out;
  }
}

function rateField(rate: number | undefined): { usageNanoCores?: number } {
  return rate === undefined ? {} : { usageNanoCores: rate };
}

/** The capacity part of a filesystem's stats (time, capacity, available, inodes), for entries on it. */
function withCapacity(fs: FsStats | undefined, time: string): FsStats {
  if (!fs) return { time };
  const { usedBytes: _used, inodesUsed: _inodes, ...capacity } = fs;
  return { ...capacity, time };
}

/** NetworkStats: the default interface's counters inline (or the first one's), plus all of them. */
function networkStats(time: string, interfaces: InterfaceStats[]): NetworkStats {
  const main = interfaces.find((i) => i.name === DEFAULT_INTERFACE) ?? interfaces[0];
  return { time, ...main, interfaces };
}
