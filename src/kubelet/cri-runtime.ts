import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseQuantity } from '../api/validation/quantity.ts';
import { qosClass } from '../api/defaults/core.ts';
import type { ContainerRuntime as Cri } from './cri/interface.ts';
import { CriError } from './cri/client.ts';
import type { Container, ContainerConfig, ContainerStatus, LinuxContainerResources, Mount, PodSandboxConfig, PortMapping } from './cri/types.ts';
import type {
  PodRuntime, ContainerSpec, ExecResult, KubeletPod, PullAuth, RuntimeContainerState, RuntimeContainerStatus, RuntimeImage, SandboxInfo,
} from './runtime-interface.ts';
import { dnsConfigFor, type ClusterDNS } from './dns-config.ts';
import { expandCommand } from './env/expansion.ts';
import { sandboxFingerprints } from './pleg.ts';

/** The labels kubelet puts on every sandbox and container (kubelet/types/labels.go). */
export const LABEL_POD_NAME = 'io.kubernetes.pod.name';
export const LABEL_POD_NAMESPACE = 'io.kubernetes.pod.namespace';
export const LABEL_POD_UID = 'io.kubernetes.pod.uid';
export const LABEL_CONTAINER_NAME = 'io.kubernetes.container.name';

/**
 * Pod-level inputs the CRI adapter takes from other kubelet parts: volumes and the container
 * environment. Each is optional so the adapter works before those parts are wired.
 */
export interface PodResources {
  /** Creates or refreshes the pod's volumes; done before any container is created (kubelet's WaitForAttachAndMount). */
  setUpVolumes?(pod: KubeletPod): Promise<void>;
  /** CRI mounts of one container (its volumeMounts, /etc/hosts, termination log). */
  mounts?(pod: KubeletPod, container: ContainerSpec): Mount[];
  /** The container's environment; rejects with kubelet's CreateContainerConfigError message. */
  environment?(pod: KubeletPod, container: ContainerSpec, podIP: string): Promise<{ key: string; value: string }[]>;
}

/** Options of CriPodRuntime. */
export interface CriPodRuntimeOptions {
  cri: Cri;
  /** Where container logs go: `<logRoot>/<ns>_<pod>_<uid>/<container>/<attempt>.log` (kubelet's /var/log/pods layout). */
  logRoot: string;
  dns: ClusterDNS;
  /** The node's IP, the pod IP of hostNetwork pods. */
  nodeIP: string;
  resources?: PodResources;
  /** Node memory capacity in bytes, for the Burstable oom_score_adj. */
  memoryCapacity?: number;
}

interface SandboxRecord {
  config: PodSandboxConfig;
  ip: string;
}

const CPU_PERIOD = 100_000;
/** How long a NetworkReady=true answer is believed (kubelet's runtime state is refreshed every 5 s). */
const NETWORK_READY_TTL_MS = 5000;
/** How long the PLEG's relist stands for the node's containers (its period is 1 s). */
const LIST_TTL_MS = 1000;
const MIN_SHARES = 2;

/**
 * The pod worker's runtime over CRI (kuberuntime's role): turns a Pod into PodSandboxConfig and
 * ContainerConfig (labels, log paths, DNS, hostPorts, cgroup resources, oom_score_adj by QoS) and
 * maps CRI states back. A sandbox already running for the pod's UID is adopted, so a restarted
 * agent picks up the pods it left running. Exited containers' statuses are cached: they never change.
 */
export class CriPodRuntime implements PodRuntime {
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly exited = new Map<string, RuntimeContainerStatus>();
  private readonly started = new Map<string, RuntimeContainerStatus>();
  private networkReadyAt = -Infinity;
  /** Pod UIDs with a sandbox when this runtime first started one (see mayHaveSandbox). */
  private uidsAtStart?: Promise<Set<string>>;
  /** Pods whose sandbox this runtime has started or tried to start, until it removes it. */
  private readonly tried = new Set<string>();

  constructor(private readonly opts: CriPodRuntimeOptions) {}

  async setUpVolumes(pod: KubeletPod): Promise<void> {
    await this.opts.resources?.setUpVolumes?.(pod);
  }

  async runSandbox(pod: KubeletPod): Promise<SandboxInfo> {
    const config = this.sandboxConfig(pod);
    const uid = pod.metadata.uid ?? '';
    const all = (await this.mayHaveSandbox(uid)) ? await this.opts.cri.listPodSandbox({ [LABEL_POD_UID]: uid }) : [];
    this.tried.add(uid);
    let id = all.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.createdAt - a.createdAt)[0]?.id;
    if (!id) {
      if (!hostNetwork(pod)) await this.requireNetwork();
      // Dead sandboxes of this pod (a failed start, a reboot) are removed first, as kubelet's sandbox GC does.
      for (const dead of all) await this.opts.cri.removePodSandbox(dead.id).catch(() => undefined);
      mkdirSync(config.logDirectory!, { recursive: true });
      config.metadata.attempt = all.length;
      id = await this.opts.cri.runPodSandbox(config);
    }
    const ip = hostNetwork(pod) ? this.opts.nodeIP : (await this.opts.cri.podSandboxStatus(id)).network?.ip ?? '';
    this.sandboxes.set(id, { config, ip });
    return { sandboxId: id, ip };
  }

  /**
   * Whether the runtime may already hold a sandbox of this pod: one left by an earlier agent (seen
   * in the node's sandboxes when this runtime first started one) or by an earlier try of this one.
   * A pod new to both has none, so its first start skips the lookup (one CRI call per pod start).
   */
  private async mayHaveSandbox(uid: string): Promise<boolean> {
    if (this.tried.has(uid)) return true;
    this.uidsAtStart ??= this.opts.cri.listPodSandbox().then((all) => new Set(all.map((s) => s.labels[LABEL_POD_UID] ?? '')));
    try {
      return (await this.uidsAtStart).has(uid);
    } catch (err) {
      this.uidsAtStart = undefined;
      throw err;
    }
  }

  /**
   * kubelet starts no pod sandbox (other than hostNetwork ones) while the runtime's network is not
   * ready. Like kubelet, which reads the runtime state its status loop refreshed rather than asking
   * per pod, a ready network is believed for NETWORK_READY_TTL_MS.
   */
  private async requireNetwork(): Promise<void> {
    if (Date.now() - this.networkReadyAt < NETWORK_READY_TTL_MS) return;
    const network = (await this.opts.cri.status()).find((c) => c.type === 'NetworkReady');
    if (network?.status) this.networkReadyAt = Date.now();
    if (!network?.status) {
      throw new Error(`network is not ready: container runtime network not ready: NetworkReady=false reason:${network?.reason || 'NetworkPluginNotReady'} message:${network?.message || 'Network plugin returns error: cni plugin not initialized'}`);
    }
  }

  async stopSandbox(sandboxId: string): Promise<void> {
    await this.opts.cri.stopPodSandbox(sandboxId).finally(() => this.changed());
  }

  async removeSandbox(sandboxId: string): Promise<void> {
    await this.opts.cri.removePodSandbox(sandboxId).finally(() => this.changed());
    const uid = this.sandboxes.get(sandboxId)?.config.labels?.[LABEL_POD_UID];
    if (uid !== undefined) this.tried.delete(uid);
    this.sandboxes.delete(sandboxId);
  }

  async imageStatus(image: string): Promise<RuntimeImage | undefined> {
    try {
      const found = await this.opts.cri.imageStatus(image);
      return found ? { ref: found.id, size: Number(found.size) || 0 } : undefined;
    } catch (err) {
      throw new Error(goRpcError(err));
    }
  }

  async pullImage(image: string, auths: PullAuth[] = []): Promise<RuntimeImage> {
    const errors: string[] = [];
    // kubelet tries each matching credential in turn and reports every failure (an aggregate) when none works.
    for (const auth of auths.length ? auths : [undefined]) {
      try {
        const ref = await this.opts.cri.pullImage(image, auth);
        const status = await this.opts.cri.imageStatus(ref).catch(() => null);
        return { ref, size: Number(status?.size) || 0 };
      } catch (err) {
        errors.push(goRpcError(err));
      }
    }
    throw new Error(errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`);
  }

  async createContainer(sandboxId: string, pod: KubeletPod, container: ContainerSpec, attempt: number): Promise<string> {
    const sandbox = this.sandboxes.get(sandboxId) ?? { config: this.sandboxConfig(pod), ip: '' };
    const resources = this.opts.resources;
    const envs = resources?.environment
      ? await resources.environment(pod, container, sandbox.ip)
      : (container.env ?? []).filter((e) => e.value !== undefined).map((e) => ({ key: e.name, value: String(e.value) }));
    const config: ContainerConfig = {
      metadata: { name: container.name, attempt },
      image: { image: container.image ?? '' },
      // $(VAR) references in command and args expand against the container's environment.
      command: expandCommand(container.command, envs),
      args: expandCommand(container.args, envs),
      workingDir: container.workingDir,
      envs,
      mounts: resources?.mounts?.(pod, container) ?? [],
      labels: { ...podLabels(pod), [LABEL_CONTAINER_NAME]: container.name },
      annotations: {
        'io.kubernetes.container.restartCount': String(attempt),
        'io.kubernetes.container.terminationMessagePath': container.terminationMessagePath ?? '/dev/termination-log',
        'io.kubernetes.pod.terminationGracePeriod': String(pod.spec.terminationGracePeriodSeconds ?? 30),
      },
      logPath: join(container.name, `${attempt}.log`),
      stdin: container.stdin,
      stdinOnce: container.stdinOnce,
      tty: container.tty,
      linux: {
        resources: this.linuxResources(pod, container),
        securityContext: containerSecurity(pod, container),
      },
    };
    mkdirSync(join(sandbox.config.logDirectory!, container.name), { recursive: true });
    this.changed();
    return this.opts.cri.createContainer(sandboxId, config, sandbox.config).finally(() => this.changed());
  }

  async startContainer(containerId: string): Promise<void> {
    await this.opts.cri.startContainer(containerId).finally(() => this.changed());
  }

  async stopContainer(containerId: string, graceSeconds: number): Promise<void> {
    await this.opts.cri.stopContainer(containerId, graceSeconds).finally(() => this.changed());
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.opts.cri.removeContainer(containerId).finally(() => this.changed());
    this.exited.delete(containerId);
    this.started.delete(containerId);
  }

  /**
   * The PLEG's relist: one ListContainers of the whole node a period, kept for the pod workers'
   * syncs while younger than LIST_TTL_MS and until this runtime changes a container.
   */
  async relist(): Promise<Map<string, string>> {
    const listing = this.opts.cri.listContainers();
    this.listing = listing;
    this.listedAt = Date.now();
    listing.catch(() => { if (this.listing === listing) this.listing = undefined; });
    return sandboxFingerprints((await listing).map((c) => ({ sandboxId: c.podSandboxId, id: c.id, state: c.state })));
  }

  private listing?: Promise<Container[]>;
  private listedAt = 0;

  private changed(): void {
    this.listing = undefined;
  }

  /**
   * One sandbox's containers: from the node's last relist while that is fresh, else (right after
   * this runtime started or stopped a container) a ListContainers filtered to the sandbox, which
   * containerd answers with that pod's few containers, not the node's hundreds.
   */
  private async listSandbox(sandboxId: string): Promise<Container[]> {
    if (this.listing && Date.now() - this.listedAt <= LIST_TTL_MS) {
      const all = await this.listing.catch(() => undefined);
      if (all) return all.filter((c) => c.podSandboxId === sandboxId);
    }
    return this.opts.cri.listContainers({ podSandboxId: sandboxId });
  }

  async containerStatuses(sandboxId: string): Promise<RuntimeContainerStatus[]> {
    const listed = await this.listSandbox(sandboxId);
    const out: RuntimeContainerStatus[] = [];
    for (const c of listed) {
      const cached = this.exited.get(c.id) ?? (c.state === 'CONTAINER_RUNNING' ? this.started.get(c.id) : undefined);
      if (cached) {
        out.push(cached);
        continue;
      }
      let status: RuntimeContainerStatus;
      try {
        status = fromCri(await this.opts.cri.containerStatus(c.id));
      } catch {
        continue; // removed between list and status
      }
      if (status.state === 'exited') this.exited.set(c.id, status);
      else if (status.state === 'running') this.started.set(c.id, status);
      out.push(status);
    }
    return out;
  }

  async exec(containerId: string, cmd: string[], timeoutSeconds: number): Promise<ExecResult> {
    const result = await this.opts.cri.execSync(containerId, cmd, timeoutSeconds);
    return { exitCode: result.exitCode, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
  }

  /** The sandbox config skiff runs for `pod` (kuberuntime's generatePodSandboxConfig). */
  sandboxConfig(pod: KubeletPod): PodSandboxConfig {
    const { name = '', namespace = 'default', uid = '' } = pod.metadata;
    const spec = pod.spec as KubeletPod['spec'] & { hostname?: string; subdomain?: string; hostNetwork?: boolean; hostPID?: boolean; hostIPC?: boolean };
    const portMappings: PortMapping[] = [];
    for (const c of pod.spec.containers) {
      for (const p of c.ports ?? []) {
        if (!p.hostPort) continue;
        portMappings.push({ protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'], containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP });
      }
    }
    return {
      metadata: { name, uid, namespace, attempt: 0 },
      hostname: spec.hostNetwork ? undefined : (spec.hostname ?? name).slice(0, 63),
      logDirectory: join(this.opts.logRoot, `${namespace}_${name}_${uid}`),
      dnsConfig: dnsConfigFor(pod, this.opts.dns),
      portMappings,
      labels: podLabels(pod),
      annotations: { ...(pod.metadata.annotations ?? {}) },
      linux: {
        securityContext: {
          namespaceOptions: {
            network: spec.hostNetwork ? 'NODE' : 'POD',
            pid: spec.hostPID ? 'NODE' : 'CONTAINER',
            ipc: spec.hostIPC ? 'NODE' : 'POD',
          },
        },
      },
    };
  }

  /** cgroup settings from requests and limits, as kuberuntime's generateLinuxContainerResources computes them. */
  private linuxResources(pod: KubeletPod, container: ContainerSpec): LinuxContainerResources {
    const limits = container.resources?.limits ?? {};
    const requests = container.resources?.requests ?? {};
    const cpuRequest = parseQuantity(requests.cpu ?? limits.cpu);
    const cpuLimit = parseQuantity(limits.cpu);
    const memoryLimit = parseQuantity(limits.memory);
    const memoryRequest = parseQuantity(requests.memory ?? limits.memory);
    const resources: LinuxContainerResources = {
      cpuShares: cpuRequest === undefined ? MIN_SHARES : Math.max(MIN_SHARES, Math.floor(cpuRequest * 1024)),
      oomScoreAdj: oomScoreAdj(pod, memoryRequest, this.opts.memoryCapacity),
    };
    if (cpuLimit !== undefined) {
      resources.cpuPeriod = CPU_PERIOD;
      // kubelet's milliCPUToQuota, with its 1ms minimum quota.
      resources.cpuQuota = Math.max(1000, Math.floor(cpuLimit * CPU_PERIOD));
    }
    if (memoryLimit !== undefined) resources.memoryLimitInBytes = Math.floor(memoryLimit);
    return resources;
  }
}

function hostNetwork(pod: KubeletPod): boolean {
  return (pod.spec as { hostNetwork?: boolean }).hostNetwork === true;
}

function podLabels(pod: KubeletPod): Record<string, string> {
  return {
    ...(pod.metadata.labels ?? {}),
    [LABEL_POD_NAME]: pod.metadata.name ?? '',
    [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? 'default',
    [LABEL_POD_UID]: pod.metadata.uid ?? '',
  };
}

/** kubelet's policy: Guaranteed -997, BestEffort 1000, Burstable scaled by memory request, within [2, 999]. */
function oomScoreAdj(pod: KubeletPod, memoryRequest: number | undefined, capacity: number | undefined): number {
  const qos = qosClass(pod.spec as Record<string, unknown>);
  if (qos === 'Guaranteed') return -997;
  if (qos === 'BestEffort') return 1000;
  if (!memoryRequest || !capacity) return 999;
  return Math.min(999, Math.max(2, Math.round(1000 - (1000 * memoryRequest) / capacity)));
}

function containerSecurity(pod: KubeletPod, container: ContainerSpec): NonNullable<NonNullable<ContainerConfig['linux']>['securityContext']> {
  const podSc = (pod.spec as { securityContext?: { runAsUser?: number; runAsGroup?: number } }).securityContext ?? {};
  const sc = container.securityContext ?? {};
  const runAsUser = sc.runAsUser ?? podSc.runAsUser;
  const runAsGroup = sc.runAsGroup ?? podSc.runAsGroup;
  return {
    privileged: sc.privileged === true,
    readonlyRootfs: sc.readOnlyRootFilesystem === true,
    capabilities: sc.capabilities ? { addCapabilities: sc.capabilities.add ?? [], dropCapabilities: sc.capabilities.drop ?? [] } : undefined,
    runAsUser: runAsUser === undefined ? undefined : { value: runAsUser },
    runAsGroup: runAsGroup === undefined ? undefined : { value: runAsGroup },
    noNewPrivs: sc.allowPrivilegeEscalation === false,
    namespaceOptions: { network: hostNetwork(pod) ? 'NODE' : 'POD', pid: 'CONTAINER', ipc: 'POD' },
  };
}

const STATES: Record<string, RuntimeContainerState> = {
  CONTAINER_CREATED: 'created',
  CONTAINER_RUNNING: 'running',
  CONTAINER_EXITED: 'exited',
  CONTAINER_UNKNOWN: 'unknown',
};

const ms = (ns: number): number | undefined => (ns > 0 ? Math.floor(ns / 1e6) : undefined);

/** CRI ContainerStatus to the pod worker's view (times in ms). */
export function fromCri(s: ContainerStatus): RuntimeContainerStatus {
  return {
    id: s.id,
    name: s.metadata.name,
    attempt: s.metadata.attempt,
    state: STATES[s.state] ?? 'unknown',
    createdAt: ms(s.createdAt),
    startedAt: ms(s.startedAt),
    finishedAt: ms(s.finishedAt),
    exitCode: s.state === 'CONTAINER_EXITED' ? s.exitCode : undefined,
    reason: s.reason || undefined,
    message: s.message || undefined,
    image: s.image?.image ?? '',
    imageId: s.imageRef,
  };
}

/** A CRI failure as kubelet prints a gRPC error: `rpc error: code = NotFound desc = ...` (Go's code names). */
export function goRpcError(err: unknown): string {
  if (!(err instanceof CriError)) return (err as Error).message;
  const name = grpcCodeNames[err.code] ?? `Code(${err.code})`;
  return `rpc error: code = ${name} desc = ${err.details}`;
}

const grpcCodeNames = ['OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists', 'PermissionDenied',
  'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange', 'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated'];
