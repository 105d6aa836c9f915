/**
 * Node-level readings the kubelet takes from the host rather than the runtime, as cAdvisor does on
 * cgroup v1: CPU from the root cpuacct cgroup (or /proc/stat), memory from the root memory cgroup
 * (or /proc/meminfo), filesystems through statfs, network counters from /proc/net/dev. Parsers
 * are pure and exported for tests; readers take the roots as options so tests can use fixtures.
 */
import { readFile, readdir, lstat, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { FsStats, InterfaceStats } from '../../api/stats/summary.ts';

/** Where the readers look: `/proc` and the cgroup v1 mount. */
export interface HostPaths {
  procRoot: string;
  cgroupRoot: string;
}

/** The real host. */
export const HOST_PATHS: HostPaths = { procRoot: '/proc', cgroupRoot: '/sys/fs/cgroup' };

/** /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 per second for user space. */
const NANOS_PER_TICK = 1e9 / 100;

/**
 * Busy CPU time of all cores in nanoseconds from /proc/stat's aggregate `cpu` line: user, nice,
 * system, irq, softirq and steal (idle and iowait are not usage; guest time is already in user).
 */
export function parseProcStatCpu(text: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
  return Number.isFinite(busy) ? busy * NANOS_PER_TICK : undefined;
}

/** Boot time in seconds since the epoch (the `btime` line of /proc/stat). */
export function parseBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** `key value` lines (cgroup memory.stat) or `Key: value kB` lines (/proc/meminfo, in bytes). */
export function parseKeyValues(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([\w()]+):?\s+(\d+)(\s+kB)?/.exec(line.trim());
    if (m) out.set(m[1], Number(m[2]) * (m[3] ? 1024 : 1));
  }
  return out;
}

/**
 * The working set as cAdvisor and the kubelet define it: usage minus inactive file-backed pages
 * (the kernel can reclaim those without OOM), never below zero.
 */
export function workingSetBytes(usageBytes: number, inactiveFileBytes: number): number {
  return inactiveFileBytes < usageBytes ? usageBytes - inactiveFileBytes : 0;
}

/** Per-interface counters from /proc/net/dev (receive bytes/errors, transmit bytes/errors). */
export function parseNetDev(text: string): InterfaceStats[] {
  const out: InterfaceStats[] = [];
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 11) continue;
    out.push({ name, rxBytes: f[0], rxErrors: f[2], txBytes: f[8], txErrors: f[10] });
  }
  return out;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Cumulative CPU time of the whole node in nanoseconds: root cpuacct.usage, else /proc/stat. */
export async function readNodeCpuNanos(paths: HostPaths = HOST_PATHS): Promise<number | undefined> {
  const acct = await readText(join(paths.cgroupRoot, 'cpuacct', 'cpuacct.usage'));
  if (acct !== undefined && /^\d+\s*$/.test(acct)) return Number(acct);
  const stat = await readText(join(paths.procRoot, 'stat'));
  return stat === undefined ? undefined : parseProcStatCpu(stat);
}

/**
 * Cumulative CPU time in nanoseconds of every container of a containerd namespace, read from the
 * cpuacct cgroups containerd creates for them (`<cpuacct>/<namespace>/<id>`: runc with cgroupfs and
 * no cgroup parent), keyed by container or sandbox id, the counter containerd's own stats report.
 * Undefined when that cgroup directory does not exist (another layout: ask the runtime instead).
 */
export async function readContainerCpuNanos(paths: HostPaths = HOST_PATHS, namespace = 'k8s.io'): Promise<Map<string, number> | undefined> {
  const dir = join(paths.cgroupRoot, 'cpuacct', namespace);
  let ids: string[];
  try {
    ids = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return undefined;
  }
  const out = new Map<string, number>();
  await Promise.all(ids.map(async (id) => {
    const text = await readText(join(dir, id, 'cpuacct.usage'));
    if (text !== undefined && /^\d+\s*$/.test(text)) out.set(id, Number(text));
  }));
  return out;
}

/** The node's memory as the kubelet reports it (bytes). */
export interface NodeMemory {
  capacityBytes: number;
  usageBytes: number;
  workingSetBytes: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/**
 * Node memory: capacity from MemTotal; usage, working set, RSS and page faults from the root
 * memory cgroup (hierarchical `total_*` counters), as cAdvisor's root container does. Without a
 * memory cgroup, usage is MemTotal - MemFree and the inactive file pages come from /proc/meminfo.
 */
export async function readNodeMemory(paths: HostPaths = HOST_PATHS): Promise<NodeMemory | undefined> {
  const meminfoText = await readText(join(paths.procRoot, 'meminfo'));
  if (meminfoText === undefined) return undefined;
  const meminfo = parseKeyValues(meminfoText);
  const capacityBytes = meminfo.get('MemTotal') ?? 0;
  const usageText = await readText(join(paths.cgroupRoot, 'memory', 'memory.usage_in_bytes'));
  const statText = await readText(join(paths.cgroupRoot, 'memory', 'memory.stat'));
  if (usageText !== undefined && statText !== undefined) {
    const stat = parseKeyValues(statText);
    const usageBytes = Number(usageText.trim());
    return {
      capacityBytes,
      usageBytes,
      workingSetBytes: workingSetBytes(usageBytes, stat.get('total_inactive_file') ?? stat.get('inactive_file') ?? 0),
      rssBytes: stat.get('total_rss') ?? stat.get('rss'),
      pageFaults: stat.get('total_pgfault') ?? stat.get('pgfault'),
      majorPageFaults: stat.get('total_pgmajfault') ?? stat.get('pgmajfault'),
    };
  }
  const usageBytes = capacityBytes - (meminfo.get('MemFree') ?? 0);
  return { capacityBytes, usageBytes, workingSetBytes: workingSetBytes(usageBytes, meminfo.get('Inactive(file)') ?? 0), rssBytes: meminfo.get('AnonPages') };
}

/** Capacity, free space and inodes of the filesystem holding `path` (statfs), or undefined. */
export async function filesystemStats(path: string, time: string): Promise<FsStats | undefined> {
  try {
    const s = await statfs(path);
    return {
      time,
      availableBytes: s.bavail * s.bsize,
      capacityBytes: s.blocks * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      inodesFree: s.ffree,
      inodes: s.files,
      inodesUsed: s.files - s.ffree,
    };
  } catch {
    return undefined;
  }
}

/** Disk usage of a directory tree. */
export interface DirUsage {
  bytes: number;
  inodes: number;
}

/**
 * Bytes (allocated blocks, like `du`) and inodes under `path`, without following symlinks or
 * crossing into more than `maxEntries` entries (a runaway volume must not stall a stats scrape).
 */
export async function directoryUsage(path: string, maxEntries = 100_000): Promise<DirUsage | undefined> {
  const usage: DirUsage = { bytes: 0, inodes: 0 };
  const pending = [path];
  try {
    const root = await lstat(path);
    const device = root.dev;
    while (pending.length && usage.inodes < maxEntries) {
      const dir = pending.pop()!;
      const st = await lstat(dir);
      usage.bytes += st.blocks * 512;
      usage.inodes++;
      if (!st.isDirectory() || st.dev !== device) continue;
      for (const name of await readdir(dir).catch(() => [])) pending.push(join(dir, name));
    }
  } catch {
    return usage.inodes ? usage : undefined;
  }
  return usage;
}

/** When the node booted (seconds since the epoch): the start of node-level collection. */
export async function readBootTime(paths: HostPaths = HOST_PATHS): Promise<number | undefined> {
  const stat = await readText(join(paths.procRoot, 'stat'));
  return stat === undefined ? undefined : parseBootTime(stat);
}

/** The kernel's process limit and the current process count (NodeStats.rlimit). */
export async function readProcessLimits(paths: HostPaths = HOST_PATHS): Promise<{ maxpid?: number; curproc?: number }> {
  const max = await readText(join(paths.procRoot, 'sys', 'kernel', 'pid_max'));
  const loadavg = await readText(join(paths.procRoot, 'loadavg'));
  const total = loadavg?.split(' ')[3]?.split('/')[1];
  return { maxpid: max ? Number(max.trim()) : undefined, curproc: total ? Number(total) : undefined };
}

/** Network counters of the network namespace of process `pid` ('self': the agent's, the host's). */
export async function readInterfaces(pid: number | 'self', paths: HostPaths = HOST_PATHS): Promise<InterfaceStats[] | undefined> {
  const text = await readText(join(paths.procRoot, String(pid), 'net', 'dev'));
  return text === undefined ? undefined : parseNetDev(text);
}

/** Process CPU (user + system, nanoseconds) and resident memory (bytes) from /proc/PID. */
export async function readProcessUsage(pid: number, paths: HostPaths = HOST_PATHS): Promise<{ cpuNanos: number; rssBytes: number; startTicks: number } | undefined> {
  const stat = await readText(join(paths.procRoot, String(pid), 'stat'));
  const status = await readText(join(paths.procRoot, String(pid), 'status'));
  if (stat === undefined || status === undefined) return undefined;
  // Fields after the command (which may contain spaces) start at state: utime is field 14, stime 15, starttime 22.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rss = parseKeyValues(status).get('VmRSS') ?? 0;
  return { cpuNanos: (Number(f[11]) + Number(f[12])) * NANOS_PER_TICK, rssBytes: rss, startTicks: Number(f[19]) };
}
