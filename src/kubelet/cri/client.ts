import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ContainerRuntime } from './interface.ts';
import type {
  AuthConfig, Container, ContainerConfig, ContainerStats, ContainerStatus, ExecSyncResult, Image, LinuxContainerResources,
  PodSandbox, PodSandboxConfig, PodSandboxStatus, RuntimeCondition, VersionInfo,
} from './types.ts';

/** Path of skiff's CRI runtime.v1 proto, loaded at runtime by @grpc/proto-loader. */
export const CRI_PROTO_PATH = fileURLToPath(new URL('./api.proto', import.meta.url));

/** The default deadline of a CRI call, the kubelet's --runtime-request-timeout default (2m). */
export const DEFAULT_CRI_TIMEOUT_MS = 2 * 60_000;

/** Kubelet's max CRI message size (16 MiB), so large ListContainers answers fit. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A failed CRI call: the gRPC status code (e.g. 5 NOT_FOUND, 4 DEADLINE_EXCEEDED) and the runtime's message. */
export class CriError extends Error {
  constructor(readonly method: string, readonly code: number, readonly details: string) {
    super(`CRI ${method}: ${grpc.status[code] ?? code}: ${details}`);
    this.name = 'CriError';
  }
}

type Unary = (req: object, meta: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type ServiceClient = grpc.Client & Record<string, Unary>;

let cachedPackage: grpc.GrpcObject | undefined;
function loadCriPackage(): grpc.GrpcObject {
  // keepCase false: JS objects use lowerCamelCase; longs as Number; enums as their names;
  // defaults true so absent scalar fields read as 0/''/false exactly like Go's zero values.
  cachedPackage ??= grpc.loadPackageDefinition(protoLoader.loadSync(CRI_PROTO_PATH, {
    keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true,
  }));
  return cachedPackage;
}

/** Options of `CriClient`. */
export interface CriClientOptions {
  /** Per-call deadline in milliseconds (default DEFAULT_CRI_TIMEOUT_MS). */
  timeoutMs?: number;
}

/**
 * A typed CRI v1 client over a unix socket (containerd's `/run/containerd/containerd.sock`
 * serves both RuntimeService and ImageService). Every call carries a deadline; failures reject
 * with `CriError`. Connecting is lazy: construction never fails for a missing socket.
 */
export class CriClient implements ContainerRuntime {
  private readonly runtime: ServiceClient;
  private readonly images: ServiceClient;
  private readonly timeoutMs: number;

  /** `socket` is a filesystem path (or an explicit `unix:` target). */
  constructor(socket: string, options: CriClientOptions = {}) {
    const target = socket.startsWith('unix:') ? socket : `unix://${socket}`;
    const v1 = (loadCriPackage().runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
    const opts = { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES };
    const Runtime = v1.RuntimeService as grpc.ServiceClientConstructor;
    const Images = v1.ImageService as grpc.ServiceClientConstructor;
    this.runtime = new Runtime(target, grpc.credentials.createInsecure(), opts) as unknown as ServiceClient;
    this.images = new Images(target, grpc.credentials.createInsecure(), opts) as unknown as ServiceClient;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;
  }

  /** Closes both channels; pending calls fail. */
  close(): void {
    this.runtime.close();
    this.images.close();
  }

  /** Calls one unary method with the deadline (or `timeoutMs` when given) and returns the raw response. */
  call<T>(service: 'runtime' | 'images', method: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    const client = service === 'runtime' ? this.runtime : this.images;
    const fn = client[method];
    if (typeof fn !== 'function') return Promise.reject(new Error(`CRI ${method}: no such method`));
    return new Promise<T>((resolve, reject) => {
      fn.call(client, request, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) reject(new CriError(method, err.code, err.details || err.message));
        else resolve(res as T);
      });
    });
  }

  async version(): Promise<VersionInfo> {
    return this.call<VersionInfo>('runtime', 'Version', { version: 'v1' });
  }

  async status(): Promise<RuntimeCondition[]> {
    const res = await this.call<{ status: { conditions: RuntimeCondition[] } | null }>('runtime', 'Status', {});
    return res.status?.conditions ?? [];
  }

  async runPodSandbox(config: PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const res = await this.call<{ podSandboxId: string }>('runtime', 'RunPodSandbox', { config, runtimeHandler });
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call('runtime', 'StopPodSandbox', { podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call('runtime', 'RemovePodSandbox', { podSandboxId });
  }

  async podSandboxStatus(podSandboxId: string): Promise<PodSandboxStatus> {
    const res = await this.call<{ status: PodSandboxStatus }>('runtime', 'PodSandboxStatus', { podSandboxId });
    return res.status;
  }

  async listPodSandbox(labelSelector?: Record<string, string>): Promise<PodSandbox[]> {
    const res = await this.call<{ items: PodSandbox[] }>('runtime', 'ListPodSandbox', labelSelector ? { filter: { labelSelector } } : {});
    return res.items;
  }

  async createContainer(podSandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    const envs = config.envs?.map((e) => ({ key: e.key, value: Buffer.from(e.value) }));
    const res = await this.call<{ containerId: string }>('runtime', 'CreateContainer', { podSandboxId, config: { ...config, envs }, sandboxConfig });
    return res.containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call('runtime', 'StartContainer', { containerId });
  }

  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    // The CRI call itself may take the whole grace period, so the deadline extends past it (as the kubelet does).
    await this.call('runtime', 'StopContainer', { containerId, timeout: timeoutSeconds }, this.timeoutMs + timeoutSeconds * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call('runtime', 'RemoveContainer', { containerId });
  }

  async listContainers(filter?: { podSandboxId?: string; labelSelector?: Record<string, string> }): Promise<Container[]> {
    const res = await this.call<{ containers: Container[] }>('runtime', 'ListContainers', filter ? { filter } : {});
    return res.containers;
  }

  async containerStatus(containerId: string): Promise<ContainerStatus> {
    const res = await this.call<{ status: ContainerStatus }>('runtime', 'ContainerStatus', { containerId });
    return res.status;
  }

  async updateContainerResources(containerId: string, linux: LinuxContainerResources): Promise<void> {
    await this.call('runtime', 'UpdateContainerResources', { containerId, linux });
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call('runtime', 'ReopenContainerLog', { containerId });
  }

  async execSync(containerId: string, cmd: string[], timeoutSeconds = 0): Promise<ExecSyncResult> {
    const deadline = timeoutSeconds > 0 ? this.timeoutMs + timeoutSeconds * 1000 : this.timeoutMs;
    return this.call<ExecSyncResult>('runtime', 'ExecSync', { containerId, cmd, timeout: timeoutSeconds }, deadline);
  }

  async exec(request: { containerId: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Exec', request)).url;
  }

  async attach(request: { containerId: string; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean }): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'Attach', request)).url;
  }

  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    return (await this.call<{ url: string }>('runtime', 'PortForward', { podSandboxId, port: ports })).url;
  }

  async containerStats(containerId: string): Promise<ContainerStats> {
    return (await this.call<{ stats: ContainerStats }>('runtime', 'ContainerStats', { containerId })).stats;
  }

  async listContainerStats(filter?: { podSandboxId?: string }): Promise<ContainerStats[]> {
    return (await this.call<{ stats: ContainerStats[] }>('runtime', 'ListContainerStats', filter ? { filter } : {})).stats;
  }

  async pullImage(image: string, auth?: AuthConfig): Promise<string> {
    return (await this.call<{ imageRef: string }>('images', 'PullImage', { image: { image }, auth })).imageRef;
  }

  async listImages(): Promise<Image[]> {
    return (await this.call<{ images: Image[] }>('images', 'ListImages', {})).images;
  }

  async imageStatus(image: string): Promise<Image | null> {
    // CRI answers a missing image with an empty `image` field rather than NOT_FOUND.
    const res = await this.call<{ image: Image | null }>('images', 'ImageStatus', { image: { image } });
    return res.image && res.image.id ? res.image : null;
  }

  async removeImage(image: string): Promise<void> {
    await this.call('images', 'RemoveImage', { image: { image } });
  }
}
