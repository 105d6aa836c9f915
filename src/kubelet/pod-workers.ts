import type { Clock, PodRuntime, KubeletPod } from './runtime-interface.ts';
import { PodWorker, type PodEventSink, type SyncResult } from './pod-worker.ts';
import { CrashBackoff } from './pod-worker-backoff.ts';
import type { PullCredentialsSource } from './image-manager.ts';
import { defaultHookRunner, type HookRunner } from './pod-worker-hooks.ts';
import { defaultProbeRunner, ProbeManager, type ProbeRunner } from './probes.ts';
import { Pleg } from './pleg.ts';

/** Options of the PodWorkers set. */
export interface PodWorkersOptions {
  runtime: PodRuntime;
  clock: Clock;
  hostIP?: string;
  /** Lifecycle hook runner; default runs exec/httpGet/sleep hooks for real. */
  hooks?: HookRunner;
  /** Probe runner; default runs exec/httpGet/tcpSocket/grpc probes for real. */
  probeRunner?: ProbeRunner;
  /**
   * How often the PLEG relists the runtime's containers, and how often a pod that is not steady
   * (waiting on a back-off or an error), or every pod when the runtime cannot relist, is resynced
   * (default 1000 ms).
   */
  resyncMs?: number;
  /** How often a steady pod is resynced when the PLEG watches its containers (default 10000 ms). */
  steadyResyncMs?: number;
  /** Receives every status the kubelet would write to the pod's status subresource. */
  onStatus?: (pod: KubeletPod, status: Record<string, unknown>) => void;
  /** A deleted pod is fully torn down: the kubelet may now delete it with grace 0. */
  onTerminated?: (pod: KubeletPod) => void;
  onEvent?: PodEventSink;
  /** Registry credentials from a pod's imagePullSecrets for one of its images. */
  pullCredentials?: PullCredentialsSource;
  /** A sync failed (runtime error); the pod is retried at the next resync. */
  onError?: (pod: KubeletPod, err: Error) => void;
}

interface Slot {
  worker: PodWorker;
  pod: KubeletPod;
  chain: Promise<SyncResult | undefined>;
  timer?: unknown;
  done: boolean;
}

/**
 * One PodWorker per pod UID, like kubelet's podWorkers: syncs of a pod never overlap (each waits for
 * the previous), different pods sync independently. A pod syncs when its API object changes, when
 * the PLEG sees its containers change, when a probe verdict changes or a back-off ends, and
 * periodically: every `resyncMs` while it waits on something, every `steadyResyncMs` once steady
 * (kubelet's syncFrequency), so a node of idle pods costs one relist a second, not a sync per pod.
 */
export class PodWorkers {
  private readonly slots = new Map<string, Slot>();
  private readonly backoff = new CrashBackoff();
  private readonly pullBackoff = new CrashBackoff();
  private readonly probes: ProbeManager;
  private readonly podOfContainer = new Map<string, string>();
  private readonly pleg?: Pleg;
  private stopped = false;

  constructor(private readonly options: PodWorkersOptions) {
    this.probes = new ProbeManager({
      clock: options.clock,
      runner: options.probeRunner ?? defaultProbeRunner(options.runtime),
      onChange: (containerId) => {
        const uid = this.podOfContainer.get(containerId);
        if (uid) this.enqueue(uid);
      },
    });
    const { runtime } = options;
    if (runtime.relist) {
      this.pleg = new Pleg({
        relist: () => runtime.relist!(),
        clock: options.clock,
        periodMs: options.resyncMs ?? 1000,
        onChange: (sandboxId) => {
          for (const [uid, slot] of this.slots) if (slot.worker.sandboxId === sandboxId) void this.enqueue(uid);
        },
      });
    }
  }

  /** Records the latest version of a pod and queues a sync of it; resolves with that sync's result. */
  update(pod: KubeletPod): Promise<SyncResult | undefined> {
    const uid = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    let slot = this.slots.get(uid);
    if (!slot) {
      const worker = new PodWorker({
        runtime: this.options.runtime,
        clock: this.options.clock,
        probes: this.probes,
        hooks: this.options.hooks ?? defaultHookRunner(this.options.runtime, this.options.clock),
        backoff: this.backoff,
        pullBackoff: this.pullBackoff,
        hostIP: this.options.hostIP,
        onEvent: this.options.onEvent,
        pullCredentials: this.options.pullCredentials,
        requestSync: (delayMs) => this.options.clock.setTimeout(() => void this.enqueue(uid), Math.max(0, delayMs)),
      });
      slot = { worker, pod, chain: Promise.resolve(undefined), done: false };
      this.slots.set(uid, slot);
    }
    slot.pod = pod;
    return this.enqueue(uid);
  }

  /** Number of pods with a worker. */
  get size(): number {
    return this.slots.size;
  }

  /** Stops every resync timer and probe (kubelet shutdown); running syncs finish on their own. */
  stop(): void {
    for (const slot of this.slots.values()) {
      slot.done = true;
      if (slot.timer !== undefined) this.options.clock.clearTimeout(slot.timer);
    }
    this.stopped = true;
    this.probes.stopAll();
    this.pleg?.stop();
  }

  private enqueue(uid: string): Promise<SyncResult | undefined> {
    const slot = this.slots.get(uid);
    if (!slot || slot.done) return Promise.resolve(undefined);
    slot.chain = slot.chain.then(() => this.runSync(uid, slot)).catch(() => undefined);
    return slot.chain;
  }

  private async runSync(uid: string, slot: Slot): Promise<SyncResult | undefined> {
    if (slot.done) return undefined;
    const pod = slot.pod;
    let result: SyncResult;
    try {
      result = await slot.worker.sync(pod);
    } catch (err) {
      // Like kubelet's pod workers, a failed sync is simply retried later.
      this.options.onError?.(pod, err as Error);
      this.scheduleResync(uid, slot, false);
      return undefined;
    }
    // Relisting starts once a pod has containers to watch (idempotent; its period then runs on its own).
    if (!this.stopped) this.pleg?.start();
    this.trackContainers(uid, result.status);
    this.options.onStatus?.(pod, result.status);
    if (result.terminated) {
      slot.done = true;
      if (slot.timer !== undefined) this.options.clock.clearTimeout(slot.timer);
      this.slots.delete(uid);
      for (const [id, owner] of [...this.podOfContainer]) if (owner === uid) this.podOfContainer.delete(id);
      this.options.onTerminated?.(pod);
      return result;
    }
    this.scheduleResync(uid, slot, slot.worker.steady);
    return result;
  }

  private scheduleResync(uid: string, slot: Slot, steady: boolean): void {
    if (slot.timer !== undefined) this.options.clock.clearTimeout(slot.timer);
    const delay = this.pleg && steady ? (this.options.steadyResyncMs ?? 10_000) : (this.options.resyncMs ?? 1000);
    slot.timer = this.options.clock.setTimeout(() => void this.enqueue(uid), delay);
  }

  /** Remembers which pod owns each container id, so a probe change resyncs the right pod. */
  private trackContainers(uid: string, status: Record<string, unknown>): void {
    const lists = [status.containerStatuses, status.initContainerStatuses] as ({ containerID?: string }[] | undefined)[];
    for (const list of lists) {
      for (const c of list ?? []) if (c.containerID) this.podOfContainer.set(c.containerID.replace(/^[a-z]+:\/\//, ''), uid);
    }
  }
}
