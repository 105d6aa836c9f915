import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContainerRuntime } from './interface.ts';
import { GRPC_CODE_NAMES, GrpcCallError, GrpcUnaryClient } from '../../grpc/unary-client.ts';
import { ProtoCodec } from './proto-codec.ts';
import { parseProto, type ProtoSchema } from './proto-schema.ts';
import type {
  AuthConfig, Container, ContainerConfig, ContainerStats, ContainerStatus, ExecSyncResult, Image, LinuxContainerResources,
  PodSandbox, PodSandboxConfig, PodSandboxStatus, RuntimeCondition, VersionInfo,
} from './types.ts';

/** Path of skiff's CRI runtime.v1 proto, read at runtime by the client's codec. */
export const CRI_PROTO_PATH = fileURLToPath(new URL('./api.proto', import.meta.url));

/** The default deadline of a CRI call, the kubelet's --runtime-request-timeout default (2m). */
export const DEFAULT_CRI_TIMEOUT_MS = 2 * 60_000;

/** Kubelet's max CRI message size (16 MiB), so large ListContainers answers fit. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** A failed CRI call: the gRPC status code (e.g. 5 NOT_FOUND, 4 DEADLINE_EXCEEDED) and the runtime's message. */
export class CriError extends Error {
  constructor(readonly method: string, readonly code: number, readonly details: string) {
    super(`CRI ${method}: ${GRPC_CODE_NAMES[code] ?? code}: ${details}`);
    this.name = 'CriError';
  }
}

let cachedSchema: { schema: ProtoSchema; codec: ProtoCodec } | undefined;
function criSchema(): { schema: ProtoSchema; codec: ProtoCodec } {
  if (!cachedSchema) {
    const schema = parseProto(readFileSync(CRI_PROTO_PATH, 'utf8'));
    cachedSchema = { schema, codec: new ProtoCodec(schema) };
  }
  return cachedSchema;
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
  private readonly channel: GrpcUnaryClient;
  private readonly timeoutMs: number;
  private readonly proto = criSchema();

  /** `socket` is a filesystem path (or an explicit `unix:` target). */
  constructor(socket: string, options: CriClientOptions = {}) {
    this.channel = new GrpcUnaryClient(socket.replace(/^unix:(\/\/)?/, ''), { maxReceiveBytes: MAX_MESSAGE_BYTES });
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CRI_TIMEOUT_MS;
  }

  /** Closes the connection; pending calls fail. */
  close(): void {
    this.channel.close();
  }

  /** Calls one unary method with the deadline (or `timeoutMs` when given) and returns the decoded response. */
  async call<T>(service: 'runtime' | 'images', method: string, request: object, timeoutMs = this.timeoutMs): Promise<T> {
    const { schema, codec } = this.proto;
    const serviceName = service === 'runtime' ? 'RuntimeService' : 'ImageService';
    const def = schema.methods.get(`${serviceName}/${method}`);
    if (!def) throw new Error(`CRI ${method}: no such method`);
    let body: Buffer;
    try {
      body = await this.channel.call(`${schema.package}.${serviceName}/${method}`, codec.encode(def.input, request), timeoutMs);
    } catch (err) {
      if (err instanceof GrpcCallError) throw new CriError(method, err.code, err.details);
      throw err;
    }
    try {
      return codec.decode(def.output, body) as T;
    } catch (err) {
      throw new CriError(method, 13, `response could not be decoded: ${(err as Error).message}`);
    }
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
