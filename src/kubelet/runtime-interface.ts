import type { KubeObject } from '../api/object.ts';

/** A probe handler or lifecycle hook action, as Kubernetes spells the fields. */
export interface HandlerSpec {
  exec?: { command?: string[] };
  httpGet?: { path?: string; port: number | string; host?: string; scheme?: string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { port: number | string; host?: string };
  grpc?: { port: number; service?: string };
  sleep?: { seconds: number };
}

/** core/v1 Probe: the handler plus its timing knobs (defaults applied by the reader, as the API server would). */
export interface ProbeSpec extends HandlerSpec {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
  terminationGracePeriodSeconds?: number;
}

/** The parts of core/v1 Container the kubelet's pod logic reads. */
export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  ports?: { name?: string; containerPort: number; protocol?: string; hostPort?: number; hostIP?: string }[];
  securityContext?: {
    privileged?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsUser?: number;
    runAsGroup?: number;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
  };
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  startupProbe?: ProbeSpec;
  lifecycle?: { postStart?: HandlerSpec; preStop?: HandlerSpec };
  workingDir?: string;
  env?: EnvVarSpec[];
  envFrom?: EnvFromSpec[];
  resources?: { limits?: Record<string, string | number>; requests?: Record<string, string | number> };
  volumeMounts?: VolumeMountSpec[];
  terminationMessagePath?: string;
  terminationMessagePolicy?: 'File' | 'FallbackToLogsOnError' | string;
}

/** core/v1 ObjectFieldSelector (fieldRef). */
export interface FieldRefSpec { apiVersion?: string; fieldPath: string }
/** core/v1 ResourceFieldSelector (resourceFieldRef); divisor is a quantity. */
export interface ResourceFieldRefSpec { containerName?: string; resource: string; divisor?: string | number }
/** A ConfigMapKeySelector or SecretKeySelector. */
export interface KeyRefSpec { name?: string; key: string; optional?: boolean }

/** core/v1 EnvVar. */
export interface EnvVarSpec {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: FieldRefSpec; resourceFieldRef?: ResourceFieldRefSpec; configMapKeyRef?: KeyRefSpec; secretKeyRef?: KeyRefSpec };
}

/** core/v1 EnvFromSource. */
export interface EnvFromSpec {
  prefix?: string;
  configMapRef?: { name?: string; optional?: boolean };
  secretRef?: { name?: string; optional?: boolean };
}

/** core/v1 VolumeMount. */
export interface VolumeMountSpec {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional' | string;
}

/** A Pod as the kubelet sees it: spec fields it acts on, status it writes. */
export interface KubeletPod extends KubeObject {
  spec: {
    nodeName?: string;
    restartPolicy?: 'Always' | 'OnFailure' | 'Never' | string;
    terminationGracePeriodSeconds?: number;
    containers: ContainerSpec[];
    initContainers?: ContainerSpec[];
    [field: string]: unknown;
  };
  status?: Record<string, unknown>;
}

/** Result of creating a pod sandbox: its id and the pod IP the network plugin gave it. */
export interface SandboxInfo {
  sandboxId: string;
  ip: string;
}

/** CRI container state, reduced to the four CRI values. */
export type RuntimeContainerState = 'created' | 'running' | 'exited' | 'unknown';

/**
 * One container as the runtime reports it. Times are epoch milliseconds; `attempt` is the CRI
 * restart attempt (0 for the first container of that name in the sandbox).
 */
export interface RuntimeContainerStatus {
  id: string;
  name: string;
  attempt: number;
  state: RuntimeContainerState;
  createdAt?: number;
  startedAt?: number;
  finishedAt?: number;
  exitCode?: number;
  /** e.g. OOMKilled, Completed, Error. */
  reason?: string;
  message?: string;
  image: string;
  imageId: string;
}

/** Output of running a command in a container. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Registry credentials for an image pull (from imagePullSecrets). */
export interface PullAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
}

/** An image the runtime holds: its reference (the imageID containers report) and size in bytes. */
export interface RuntimeImage {
  ref: string;
  size: number;
}

/**
 * The container runtime as the pod worker needs it: a small subset of CRI. Every method rejects
 * on runtime errors.
 */
export interface PodRuntime {
  /**
   * Sets up the pod's volumes (kubelet's WaitForAttachAndMount); the worker runs it alongside
   * runSandbox and before any container is created. Rejects with the FailedMount details.
   */
  setUpVolumes?(pod: KubeletPod): Promise<void>;
  /** Creates and starts the pod sandbox (network namespace + pause); resolves its id and pod IP. */
  runSandbox(pod: KubeletPod): Promise<SandboxInfo>;
  stopSandbox(sandboxId: string): Promise<void>;
  removeSandbox(sandboxId: string): Promise<void>;
  /** The image if the runtime holds it (CRI ImageStatus), else undefined. */
  imageStatus(image: string): Promise<RuntimeImage | undefined>;
  /**
   * Pulls `image`, trying each credential in turn (anonymously when there are none, as kubelet
   * does); resolves the pulled image. Rejects with the runtime's error, shown under ErrImagePull.
   */
  pullImage(image: string, auths?: PullAuth[]): Promise<RuntimeImage>;
  /** Creates (does not start) a container; resolves its runtime id. */
  createContainer(sandboxId: string, pod: KubeletPod, container: ContainerSpec, attempt: number): Promise<string>;
  startContainer(containerId: string): Promise<void>;
  /** SIGTERM, then SIGKILL once `graceSeconds` elapse; resolves once the container has exited. */
  stopContainer(containerId: string, graceSeconds: number): Promise<void>;
  removeContainer(containerId: string): Promise<void>;
  /** Every container (any state) in the sandbox. */
  containerStatuses(sandboxId: string): Promise<RuntimeContainerStatus[]>;
  /**
   * PLEG's relist: one listing of every container on the node, reduced to a fingerprint per
   * sandbox id (its containers' ids and states) that changes whenever one of them does. A runtime
   * with it lets the pod workers sync a pod only when its containers change (else every second).
   */
  relist?(): Promise<Map<string, string>>;
  /** Runs `cmd` synchronously in the container; rejects if it exceeds `timeoutSeconds`. */
  exec(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult>;
}

/** Time source and timers, injectable so tests drive time with a fake clock. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
