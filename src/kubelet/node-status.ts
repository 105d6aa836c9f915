import { readFileSync, statfsSync } from 'node:fs';
import { arch, cpus, release } from 'node:os';
import { nowTimestamp } from '../api/object.ts';
import { KUBELET_VERSION } from './version.ts';

/** What the host offers, read once at start (kubelet's cadvisor MachineInfo). */
export interface MachineInfo {
  cpus: number;
  memoryBytes: number;
  /** Bytes of the filesystem holding the agent's data (ephemeral-storage). */
  storageBytes: number;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  architecture: string;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** Reads CPU count, memory, disk and identity of this machine. */
export function readMachineInfo(dataDir: string): MachineInfo {
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(readOr('/proc/meminfo', ''))?.[1] ?? 0);
  const fs = statfsSync(dataDir);
  const machineID = readOr('/etc/machine-id', '');
  const osRelease = readOr('/etc/os-release', '');
  return {
    cpus: cpus().length,
    memoryBytes: memKb * 1024,
    storageBytes: fs.blocks * fs.bsize,
    machineID,
    systemUUID: readOr('/sys/class/dmi/id/product_uuid', machineID),
    bootID: readOr('/proc/sys/kernel/random/boot_id', ''),
    kernelVersion: release(),
    osImage: /^PRETTY_NAME="?([^"\n]*)"?/m.exec(osRelease)?.[1] ?? 'Linux',
    architecture: arch() === 'x64' ? 'amd64' : arch() === 'arm64' ? 'arm64' : arch(),
  };
}

/** kubelet's default hard eviction threshold memory.available<100Mi is held back from allocatable. */
const EVICTION_MEMORY_BYTES = 100 * 1024 * 1024;
const MAX_PODS = 110;

/** Capacity and allocatable as kubelet reports them (Ki for memory, as Kubernetes prints it). */
export function nodeResources(machine: MachineInfo): { capacity: Record<string, string>; allocatable: Record<string, string> } {
  const capacity = {
    cpu: String(machine.cpus),
    'ephemeral-storage': `${Math.floor(machine.storageBytes / 1024)}Ki`,
    'hugepages-1Gi': '0',
    'hugepages-2Mi': '0',
    memory: `${Math.floor(machine.memoryBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
  const allocatable = {
    ...capacity,
    // nodefs.available<10% is the default storage eviction threshold.
    'ephemeral-storage': String(Math.floor(machine.storageBytes * 0.9)),
    memory: `${Math.floor(Math.max(0, machine.memoryBytes - EVICTION_MEMORY_BYTES) / 1024)}Ki`,
  };
  return { capacity, allocatable };
}

/** The node's labels (kubelet's well-known ones; control-plane roles on a server's embedded agent, as k3s sets). */
export function nodeLabels(nodeName: string, machine: MachineInfo, extra: Record<string, string>): Record<string, string> {
  return {
    'beta.kubernetes.io/arch': machine.architecture,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': machine.architecture,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    ...extra,
  };
}

/** Runtime readiness as the kubelet's Ready condition reports it. */
export interface RuntimeHealth {
  runtimeReady: boolean;
  networkReady: boolean;
  /** The runtime's message when not ready. */
  message?: string;
}

type Condition = { type: string; status: string; reason: string; message: string; lastHeartbeatTime: string; lastTransitionTime: string };

/**
 * The node's conditions: the three pressure conditions (never raised yet: there is no eviction
 * manager) and Ready from the runtime's health, in kubelet's words. lastTransitionTime is kept
 * from `previous` while a condition's status does not change.
 */
export function nodeConditions(health: RuntimeHealth, previous: Condition[] | undefined, now = new Date()): Condition[] {
  const ts = nowTimestamp(now);
  const ready = health.runtimeReady && health.networkReady;
  const notReadyMessage = !health.runtimeReady
    ? `container runtime is down: ${health.message ?? ''}`.trim()
    : `container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:${health.message ?? 'Network plugin returns error: cni plugin not initialized'}`;
  const wanted: Omit<Condition, 'lastHeartbeatTime' | 'lastTransitionTime'>[] = [
    { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available' },
    { type: 'DiskPressure', status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' },
    { type: 'PIDPressure', status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available' },
    ready
      ? { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }
      : { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: notReadyMessage },
  ];
  return wanted.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return { ...c, lastHeartbeatTime: ts, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : ts };
  });
}

/** Everything in the node's status except conditions and images. */
export function nodeStatusBase(opts: { machine: MachineInfo; nodeIP: string; hostname: string; kubeletPort: number; runtimeVersion: string }): Record<string, unknown> {
  const { machine } = opts;
  return {
    ...nodeResources(machine),
    addresses: [
      { type: 'InternalIP', address: opts.nodeIP },
      { type: 'Hostname', address: opts.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: opts.kubeletPort } },
    nodeInfo: {
      machineID: machine.machineID,
      systemUUID: machine.systemUUID,
      bootID: machine.bootID,
      kernelVersion: machine.kernelVersion,
      osImage: machine.osImage,
      containerRuntimeVersion: opts.runtimeVersion,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: machine.architecture,
    },
  };
}

/** The image list of node status: largest first, at most 50 (kubelet's nodeStatusMaxImages). */
export function nodeImages(images: { repoTags: string[]; repoDigests: string[]; size: number }[]): { names: string[]; sizeBytes: number }[] {
  return images
    .map((i) => ({ names: [...i.repoDigests, ...i.repoTags], sizeBytes: Number(i.size) }))
    .filter((i) => i.names.length > 0)
    .sort((a, b) => b.sizeBytes - a.sizeBytes)
    .slice(0, 50);
}
