/**
 * The kubelet's `/stats/summary` document (k8s.io/kubelet/pkg/apis/stats/v1alpha1), as JSON.
 * The kubelet builds it and the API server's metrics.k8s.io group reads it, so the shape lives
 * in the api layer. Times are RFC 3339 strings at second precision (metav1.Time); every numeric
 * field is optional, as the Go pointers are, and absent means "not measured".
 */

/** A cumulative and an averaged CPU figure at one moment (CPUStats). */
export interface CpuStats {
  time: string;
  /** CPU core-nanoseconds per second averaged over the sample window. */
  usageNanoCores?: number;
  /** Cumulative CPU time (all cores) since the object was created. */
  usageCoreNanoSeconds?: number;
}

/** Memory usage (MemoryStats): working set is usage minus inactive file pages. */
export interface MemoryStats {
  time: string;
  /** Limit (or node capacity) minus working set; omitted when there is no limit. */
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

/** Filesystem usage (FsStats). */
export interface FsStats {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
  inodesFree?: number;
  inodes?: number;
  inodesUsed?: number;
}

/** Counters of one network interface (InterfaceStats). */
export interface InterfaceStats {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

/** Network usage: the default interface's counters inline, plus every interface (NetworkStats). */
export interface NetworkStats extends InterfaceStats {
  time: string;
  interfaces?: InterfaceStats[];
}

/** One container's usage (ContainerStats); also used for system containers (kubelet, runtime, pods). */
export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
  rootfs?: FsStats;
  logs?: FsStats;
}

/** Identifies a pod (PodReference). */
export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

/** One volume's usage (VolumeStats: FsStats inline plus the volume name). */
export interface VolumeStats extends FsStats {
  name?: string;
  pvcRef?: { name: string; namespace: string };
}

/** One pod's usage (PodStats). */
export interface PodStats {
  podRef: PodReference;
  startTime: string;
  containers: ContainerStats[];
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  volume?: VolumeStats[];
  'ephemeral-storage'?: FsStats;
  process_stats?: { process_count?: number };
}

/** Node-level usage (NodeStats). */
export interface NodeStats {
  nodeName: string;
  systemContainers?: ContainerStats[];
  startTime: string;
  cpu?: CpuStats;
  memory?: MemoryStats;
  network?: NetworkStats;
  fs?: FsStats;
  runtime?: { imageFs?: FsStats };
  rlimit?: { time: string; maxpid?: number; curproc?: number };
}

/** The whole `/stats/summary` answer. */
export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}
