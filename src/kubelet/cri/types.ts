/**
 * TypeScript shapes of the CRI runtime.v1 messages skiff sends and reads (see api.proto).
 * Field names are the proto field names in lowerCamelCase, which is how @grpc/proto-loader
 * presents them with `keepCase: false`; int64 values are plain numbers (nanoseconds fit
 * within 2^53 until the year 2255) and enums are their string names.
 */

/** runtime.v1.PodSandboxMetadata: identifies the pod a sandbox belongs to. */
export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt?: number }

/** runtime.v1.PortMapping: a hostPort request, served by the CNI portmap plugin. */
export interface PortMapping { protocol?: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort?: number; hostIp?: string }

/** runtime.v1.PodSandboxConfig (Linux subset). */
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: { servers?: string[]; searches?: string[]; options?: string[] };
  portMappings?: PortMapping[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroupParent?: string;
    sysctls?: Record<string, string>;
    securityContext?: {
      namespaceOptions?: NamespaceOption;
      privileged?: boolean;
      runAsUser?: { value: number };
      runAsGroup?: { value: number };
      readonlyRootfs?: boolean;
      supplementalGroups?: number[];
    };
  };
}

/** runtime.v1.NamespaceOption; POD is the default for every namespace. */
export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode; targetId?: string }
/** runtime.v1.NamespaceMode. */
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

/** runtime.v1.ImageSpec. */
export interface ImageSpec { image: string; annotations?: Record<string, string>; userSpecifiedImage?: string; runtimeHandler?: string }

/** runtime.v1.Mount. */
export interface Mount {
  containerPath: string;
  hostPath: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
}

/** runtime.v1.LinuxContainerResources (cgroup settings). */
export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  unified?: Record<string, string>;
  memorySwapLimitInBytes?: number;
}

/** runtime.v1.ContainerConfig (Linux subset). `command` maps to the image ENTRYPOINT, `args` to CMD. */
export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: ImageSpec;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: { key: string; value: string }[];
  mounts?: Mount[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: {
    resources?: LinuxContainerResources;
    securityContext?: {
      capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] };
      privileged?: boolean;
      namespaceOptions?: NamespaceOption;
      runAsUser?: { value: number };
      runAsUsername?: string;
      readonlyRootfs?: boolean;
      noNewPrivs?: boolean;
      runAsGroup?: { value: number };
      maskedPaths?: string[];
      readonlyPaths?: string[];
    };
  };
}

/** runtime.v1.PodSandboxState. */
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
/** runtime.v1.ContainerState. */
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

/** runtime.v1.PodSandboxStatus as returned by the runtime (defaults filled in). */
export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  network: { ip: string; additionalIps: { ip: string }[] } | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

/** runtime.v1.PodSandbox (list entry). */
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
}

/** runtime.v1.Container (list entry). */
export interface Container {
  id: string;
  podSandboxId: string;
  metadata: { name: string; attempt: number };
  image: ImageSpec | null;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** runtime.v1.ContainerStatus; times are Unix nanoseconds, 0 when not reached. */
export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number };
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
}

/** runtime.v1.ExecSyncResponse. */
export interface ExecSyncResult { stdout: Buffer; stderr: Buffer; exitCode: number }

/** runtime.v1.RuntimeCondition; RuntimeReady and NetworkReady are the two the kubelet requires. */
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }

/** runtime.v1.VersionResponse. */
export interface VersionInfo { version: string; runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }

/** runtime.v1.Image. */
export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: { value: number } | null;
  username: string;
  pinned: boolean;
}

/** runtime.v1.AuthConfig: registry credentials for PullImage. */
export interface AuthConfig { username?: string; password?: string; auth?: string; serverAddress?: string; identityToken?: string; registryToken?: string }

/** runtime.v1.ContainerStats (CPU and memory part). */
export interface ContainerStats {
  attributes: { id: string; metadata: { name: string; attempt: number }; labels: Record<string, string>; annotations: Record<string, string> } | null;
  cpu: { timestamp: number; usageCoreNanoSeconds: { value: number } | null; usageNanoCores: { value: number } | null } | null;
  memory: { timestamp: number; workingSetBytes: { value: number } | null; usageBytes: { value: number } | null; rssBytes: { value: number } | null } | null;
  writableLayer: { timestamp: number; usedBytes: { value: number } | null } | null;
}

/** runtime.v1.FilesystemUsage. */
export interface FilesystemUsage { timestamp: number; fsId: { mountpoint: string } | null; usedBytes: { value: number } | null; inodesUsed: { value: number } | null }
