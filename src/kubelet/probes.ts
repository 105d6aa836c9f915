import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Clock, PodRuntime, ContainerSpec, ProbeSpec } from './runtime-interface.ts';
import { WireReader, WIRE_VARINT } from '../api/protobuf/wire-reader.ts';
import { GrpcUnaryClient } from '../grpc/unary-client.ts';
import { WireWriter } from '../grpc/wire-writer.ts';

/** Where a probe is aimed: the container (for exec) and the pod IP (for network probes). */
export interface ProbeTarget {
  containerId: string;
  podIP: string;
  container: ContainerSpec;
}

/** Runs one probe attempt; resolves true on success. Never rejects. */
export type ProbeRunner = (probe: ProbeSpec, target: ProbeTarget, timeoutSeconds: number) => Promise<boolean>;

/** Resolves a probe port: a number, or a container port name (IANA_SVC_NAME) looked up in the container's ports. */
export function resolvePort(port: number | string, container: ContainerSpec): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const found = container.ports?.find((p) => p.name === port);
  if (!found) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  return found.containerPort;
}

/** The kubelet's probe runner: exec via the runtime, httpGet, tcpSocket and grpc health checks. */
export function defaultProbeRunner(runtime: PodRuntime): ProbeRunner {
  return async (probe, target, timeoutSeconds) => {
    try {
      if (probe.exec) return (await runtime.exec(target.containerId, probe.exec.command ?? [], timeoutSeconds)).exitCode === 0;
      if (probe.httpGet) return await httpProbe(probe.httpGet, target, timeoutSeconds);
      if (probe.tcpSocket) return await tcpProbe(probe.tcpSocket.host ?? target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutSeconds);
      if (probe.grpc) return await grpcProbe(target.podIP, probe.grpc.port, probe.grpc.service ?? '', timeoutSeconds);
      return false;
    } catch {
      return false;
    }
  };
}

/** HTTP probe: any status in [200, 400) succeeds, as kubelet's prober/http does. */
function httpProbe(spec: NonNullable<ProbeSpec['httpGet']>, target: ProbeTarget, timeoutSeconds: number): Promise<boolean> {
  const secure = spec.scheme === 'HTTPS';
  const headers: Record<string, string> = { 'User-Agent': 'kube-probe/1.32', Accept: '*/*' };
  for (const h of spec.httpHeaders ?? []) headers[h.name] = h.value;
  const options = {
    host: spec.host ?? target.podIP,
    port: resolvePort(spec.port, target.container),
    path: spec.path ?? '/',
    method: 'GET',
    headers,
    timeout: timeoutSeconds * 1000,
    rejectUnauthorized: false, // kubelet skips TLS verification for HTTPS probes
  };
  return new Promise((resolve) => {
    const req = (secure ? https : http).request(options, (res) => {
      res.resume();
      resolve((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** TCP probe: success when a connection opens within the timeout. */
export function tcpProbe(host: string, port: number, timeoutSeconds: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(timeoutSeconds * 1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

/** grpc.health.v1.Health/Check: success when the reply's status is SERVING (1). */
async function grpcProbe(host: string, port: number, service: string, timeoutSeconds: number): Promise<boolean> {
  const client = new GrpcUnaryClient({ host, port });
  try {
    return decodeHealthStatus(await client.call('grpc.health.v1.Health/Check', encodeHealthRequest(service), timeoutSeconds * 1000)) === 1;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** HealthCheckRequest { string service = 1; } in protobuf wire format. */
function encodeHealthRequest(service: string): Buffer {
  const w = new WireWriter();
  if (service) w.bytesField(1, Buffer.from(service, 'utf8'));
  return w.finish();
}

/** HealthCheckResponse { ServingStatus status = 1; }: returns the status enum (0 if absent). */
function decodeHealthStatus(buf: Buffer): number {
  const r = new WireReader(buf);
  let status = 0;
  while (r.more()) {
    const tag = r.uint32();
    if (tag === (1 << 3 | WIRE_VARINT)) status = r.int32();
    else r.skip(tag & 7, tag >>> 3);
  }
  return status;
}

/** The three kubelet probe kinds. */
export type ProbeType = 'liveness' | 'readiness' | 'startup';

interface ProbeWorker {
  type: ProbeType;
  probe: ProbeSpec;
  result: boolean | undefined;
  lastRaw: boolean | undefined;
  runs: number;
  timer?: unknown;
  stopped: boolean;
}

interface ContainerProbes {
  target: ProbeTarget;
  workers: Map<ProbeType, ProbeWorker>;
}

/** Options for a ProbeManager. */
export interface ProbeManagerOptions {
  clock: Clock;
  runner: ProbeRunner;
  /** Called whenever a probe's verdict flips, so the pod worker can resync. */
  onChange?: (containerId: string, type: ProbeType, result: boolean) => void;
}

/**
 * Probe workers per container, as kubelet's prober manager runs them: each probe first fires after
 * initialDelaySeconds, then every periodSeconds; a verdict flips after successThreshold successes or
 * failureThreshold failures in a row. Readiness starts false, liveness true; while a startup probe
 * has not succeeded, liveness and readiness are not run. A failed liveness or startup probe stops
 * probing: the container will be replaced by a new one with its own workers.
 */
export class ProbeManager {
  private readonly containers = new Map<string, ContainerProbes>();

  constructor(private readonly options: ProbeManagerOptions) {}

  /** Starts the probe workers of a freshly started container. Idempotent per container id. */
  addContainer(containerId: string, podIP: string, container: ContainerSpec): void {
    if (this.containers.has(containerId)) return;
    const entry: ContainerProbes = { target: { containerId, podIP, container }, workers: new Map() };
    this.containers.set(containerId, entry);
    const specs: [ProbeType, ProbeSpec | undefined][] = [['startup', container.startupProbe], ['liveness', container.livenessProbe], ['readiness', container.readinessProbe]];
    for (const [type, probe] of specs) {
      if (!probe) continue;
      const worker: ProbeWorker = { type, probe, result: type === 'liveness' ? true : type === 'readiness' ? false : undefined, lastRaw: undefined, runs: 0, stopped: false };
      entry.workers.set(type, worker);
      this.schedule(entry, worker, (probe.initialDelaySeconds ?? 0) * 1000);
    }
  }

  /** Stops and forgets a container's probe workers. */
  removeContainer(containerId: string): void {
    const entry = this.containers.get(containerId);
    if (!entry) return;
    for (const w of entry.workers.values()) this.stop(w);
    this.containers.delete(containerId);
  }

  /** Stops every worker. */
  stopAll(): void {
    for (const id of [...this.containers.keys()]) this.removeContainer(id);
  }

  /** Startup probe passed (or none). */
  isStarted(containerId: string): boolean {
    const w = this.containers.get(containerId)?.workers.get('startup');
    return !w || w.result === true;
  }

  /** Readiness probe passed (or none). Unknown containers are not ready. */
  isReady(containerId: string): boolean {
    const entry = this.containers.get(containerId);
    if (!entry) return false;
    const w = entry.workers.get('readiness');
    return !w || w.result === true;
  }

  /** The probe type whose failure means the container must be restarted (liveness or startup), if any. */
  failedProbe(containerId: string): ProbeType | undefined {
    const workers = this.containers.get(containerId)?.workers;
    if (workers?.get('startup')?.result === false) return 'startup';
    if (workers?.get('liveness')?.result === false) return 'liveness';
    return undefined;
  }

  private schedule(entry: ContainerProbes, worker: ProbeWorker, delayMs: number): void {
    if (worker.stopped) return;
    worker.timer = this.options.clock.setTimeout(() => void this.tick(entry, worker), delayMs);
  }

  private stop(worker: ProbeWorker): void {
    worker.stopped = true;
    if (worker.timer !== undefined) this.options.clock.clearTimeout(worker.timer);
  }

  private async tick(entry: ContainerProbes, worker: ProbeWorker): Promise<void> {
    if (worker.stopped) return;
    const period = (worker.probe.periodSeconds ?? 10) * 1000;
    const startupPending = worker.type !== 'startup' && !this.isStarted(entry.target.containerId);
    if (!startupPending) {
      const ok = await this.options.runner(worker.probe, entry.target, worker.probe.timeoutSeconds ?? 1);
      if (worker.stopped) return;
      this.record(entry, worker, ok);
    }
    // A started startup probe, or a failed liveness/startup probe, needs no further runs.
    const done = (worker.type === 'startup' && worker.result === true) || (worker.type !== 'readiness' && worker.result === false);
    if (done) worker.stopped = true;
    else this.schedule(entry, worker, period);
  }

  private record(entry: ContainerProbes, worker: ProbeWorker, ok: boolean): void {
    worker.runs = worker.lastRaw === ok ? worker.runs + 1 : 1;
    worker.lastRaw = ok;
    const threshold = ok ? (worker.probe.successThreshold ?? 1) : (worker.probe.failureThreshold ?? 3);
    if (worker.runs < threshold || worker.result === ok) return;
    worker.result = ok;
    this.options.onChange?.(entry.target.containerId, worker.type, ok);
  }
}
