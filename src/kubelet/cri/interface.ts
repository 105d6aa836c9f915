import type {
  AuthConfig, Container, ContainerConfig, ContainerStats, ContainerStatus, ExecSyncResult, Image, LinuxContainerResources,
  PodSandbox, PodSandboxConfig, PodSandboxStatus, RuntimeCondition, VersionInfo,
} from './types.ts';

/**
 * What the kubelet needs from a container runtime, in CRI terms. The containerd-backed
 * implementation is `CriClient`; a simulated runtime can implement the same surface later so
 * both run one shared test suite (see ARCHITECTURE.md). All methods reject with `CriError`
 * (gRPC status code + message) when the runtime refuses a call or the deadline passes.
 */
export interface ContainerRuntime {
  /** CRI Version: runtime name and version, and the CRI API version ("v1"). */
  version(): Promise<VersionInfo>;
  /** CRI Status: the runtime's conditions (RuntimeReady, NetworkReady). */
  status(): Promise<RuntimeCondition[]>;

  /** Creates and starts the pod sandbox (pause container + network); returns its id. */
  runPodSandbox(config: PodSandboxConfig, runtimeHandler?: string): Promise<string>;
  /** Stops every container in the sandbox and tears down its network; idempotent. */
  stopPodSandbox(podSandboxId: string): Promise<void>;
  /** Removes a stopped sandbox and its containers; idempotent for an unknown id. */
  removePodSandbox(podSandboxId: string): Promise<void>;
  /** Status (state, pod IPs) of one sandbox. */
  podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus>;
  /** All sandboxes, optionally filtered by label selector. */
  listPodSandbox(labelSelector?: Record<string, string>): Promise<PodSandbox[]>;

  /** Creates a container in a sandbox; `sandboxConfig` must be the config the sandbox was run with. */
  createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  /** Starts a created container. */
  startContainer(containerId: string): Promise<void>;
  /** Sends the stop signal, then SIGKILL after `timeoutSeconds` (the pod's grace period). */
  stopContainer(containerId: string, timeoutSeconds: number): Promise<void>;
  /** Removes a container; a running one is force-stopped first by containerd. */
  removeContainer(containerId: string): Promise<void>;
  /** Containers, optionally of one sandbox. */
  listContainers(filter?: { podSandboxId?: string; labelSelector?: Record<string, string> }): Promise<Container[]>;
  /** Status of one container (state, exit code, times). */
  containerStatus(containerId: string): Promise<ContainerStatus>;
  /** Changes a running container's cgroup limits (in-place resize). */
  updateContainerResources(containerId: string, linux: LinuxContainerResources): Promise<void>;
  /** Asks the runtime to reopen the container's log file (after log rotation). */
  reopenContainerLog(containerId: string): Promise<void>;

  /** Runs a command to completion inside a container (exec probes); `timeoutSeconds` 0 means none. */
  execSync(containerId: string, cmd: string[], timeoutSeconds?: number): Promise<ExecSyncResult>;
  /** Prepares a streaming exec and returns the runtime's streaming-server URL. */
  exec(request: { containerId: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }): Promise<string>;
  /** Prepares a streaming attach and returns the URL. */
  attach(request: { containerId: string; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }): Promise<string>;
  /** Prepares a port-forward into the sandbox and returns the URL. */
  portForward(podSandboxId: string, ports: number[]): Promise<string>;

  /** CPU/memory usage of one container. */
  containerStats(containerId: string): Promise<ContainerStats>;
  /** CPU/memory usage of all (or one sandbox's) containers. */
  listContainerStats(filter?: { podSandboxId?: string }): Promise<ContainerStats[]>;

  /** Pulls an image (by reference); returns the image id (sha256:...). */
  pullImage(image: string, auth?: AuthConfig): Promise<string>;
  /** Images present on the node. */
  listImages(): Promise<Image[]>;
  /** One image, or null when the runtime does not have it (Kubernetes' "image not present"). */
  imageStatus(image: string): Promise<Image | null>;
  /** Removes an image; idempotent. */
  removeImage(image: string): Promise<void>;
}
