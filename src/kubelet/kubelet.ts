import { jsonEqual, nowTimestamp } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { StatusError } from '../api/errors.ts';
import type { KubeClient } from '../client/interface.ts';
import { SharedInformer } from '../machinery/informer.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import { PodWorkers } from './pod-workers.ts';
import type { ContainerRuntime, KubeletPod } from './runtime-interface.ts';
import { realClock } from './runtime-interface.ts';

const PODS = findResource('', 'v1', 'pods')!;

/** Options of Kubelet. */
export interface KubeletOptions {
  client: KubeClient;
  nodeName: string;
  nodeIP: string;
  runtime: ContainerRuntime;
  recorder?: EventRecorder;
  /** Lists the UIDs of pods that have runtime state on this node (sandboxes), for orphan cleanup at start. */
  runtimePodUids?(): Promise<{ uid: string; remove(): Promise<void> }[]>;
  /** Called once a deleted pod is fully torn down (volumes are cleaned here). */
  onPodTerminated?(pod: KubeletPod): Promise<void>;
  /** PLEG-like resync period of each pod (default 1000 ms). */
  resyncMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

interface StatusSlot {
  written?: Record<string, unknown>;
  pending?: Record<string, unknown>;
  writing?: Promise<void>;
}

/**
 * The kubelet's pod side: watches the pods bound to this node, runs each through a pod worker
 * (sandbox, init containers, containers, probes, restarts, termination) over the container
 * runtime, writes pod status through the status subresource when it changes (kubelet's status
 * manager), and deletes a terminating pod with grace 0 once its containers are gone. A pod removed
 * from the API without graceful deletion is killed at once. Pods left behind by a previous run are
 * adopted by UID; runtime state of pods the API no longer has is removed after the first list.
 */
export class Kubelet {
  private readonly informer: SharedInformer<KubeletPod>;
  private readonly workers: PodWorkers;
  private readonly statuses = new Map<string, StatusSlot>();
  private readonly removedFromApi = new Set<string>();
  /** Pods this kubelet finished tearing down and deleted, so their watch DELETED event is not a force delete. */
  private readonly finished = new Set<string>();
  private readonly log: (msg: string, extra?: Record<string, unknown>) => void;
  private stopped = false;

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.log ?? (() => {});
    this.informer = new SharedInformer<KubeletPod>(opts.client, PODS, { fieldSelector: `spec.nodeName=${opts.nodeName}`, log: this.log });
    this.workers = new PodWorkers({
      runtime: opts.runtime,
      clock: realClock,
      hostIP: opts.nodeIP,
      resyncMs: opts.resyncMs,
      onStatus: (pod, status) => this.setStatus(pod, status),
      onTerminated: (pod) => void this.terminated(pod),
      onEvent: (pod, type, reason, message) => opts.recorder?.event(pod, type, reason, message),
      onError: (pod, err) => this.log('error syncing pod, skipping', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: err.message }),
    });
  }

  /** Starts watching this node's pods; resolves once the first list is in and orphans are cleaned. */
  async start(): Promise<void> {
    this.informer.addEventHandler({
      onAdd: (pod) => void this.workers.update(pod),
      onUpdate: (_old, pod) => void this.workers.update(pod),
      onDelete: (pod) => this.podRemoved(pod),
    });
    this.informer.start();
    await this.informer.waitForSync();
    await this.cleanOrphans().catch((err) => this.log('orphan cleanup failed', { err: (err as Error).message }));
  }

  /** The pod with this namespace/name as the kubelet last saw it (for the kubelet's HTTPS API). */
  getPod(namespace: string, name: string): KubeletPod | undefined {
    return this.informer.indexer.getByKey(`${namespace}/${name}`);
  }

  /** Every pod bound to this node. */
  pods(): KubeletPod[] {
    return this.informer.indexer.list();
  }

  /** Stops watching and the workers' timers; running containers keep running, as when kubelet stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.workers.stop();
    await this.informer.stop();
    await Promise.all([...this.statuses.values()].map((s) => s.writing));
  }

  /** A pod deleted from the API without passing through graceful termination (force delete): kill it now. */
  private podRemoved(pod: KubeletPod): void {
    const uid = pod.metadata.uid ?? '';
    if (this.finished.delete(uid)) return;
    this.removedFromApi.add(uid);
    const meta = { ...pod.metadata, deletionTimestamp: pod.metadata.deletionTimestamp ?? nowTimestamp(), deletionGracePeriodSeconds: pod.metadata.deletionGracePeriodSeconds ?? 0 };
    void this.workers.update({ ...pod, metadata: meta });
  }

  /** The status manager: one write in flight per pod, the newest status wins, unchanged statuses are not sent. */
  private setStatus(pod: KubeletPod, status: Record<string, unknown>): void {
    const uid = pod.metadata.uid ?? '';
    if (this.removedFromApi.has(uid) || this.stopped) return;
    let slot = this.statuses.get(uid);
    if (!slot) {
      slot = { written: pod.status };
      this.statuses.set(uid, slot);
    }
    if (slot.writing) {
      slot.pending = status;
      return;
    }
    if (slot.written && jsonEqual(slot.written, status)) return;
    slot.writing = this.writeStatus(pod, slot, status);
  }

  private async writeStatus(pod: KubeletPod, slot: StatusSlot, status: Record<string, unknown>): Promise<void> {
    let next: Record<string, unknown> | undefined = status;
    while (next) {
      const body: Record<string, unknown> = next;
      slot.pending = undefined;
      try {
        await this.opts.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { metadata: { uid: pod.metadata.uid }, status: body }, { type: 'merge', subresource: 'status' });
        slot.written = body;
      } catch (err) {
        if (err instanceof StatusError && err.code === 404) break;
        this.log('failed to update pod status', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: (err as Error).message });
      }
      next = slot.pending && !jsonEqual(slot.pending, slot.written) ? slot.pending : undefined;
    }
    slot.writing = undefined;
  }

  /** Termination finished: the last status is written, volumes go, and the API object is deleted (grace 0). */
  private async terminated(pod: KubeletPod): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    await this.statuses.get(uid)?.writing;
    this.statuses.delete(uid);
    await this.opts.onPodTerminated?.(pod).catch((err) => this.log('pod cleanup failed', { uid, err: (err as Error).message }));
    if (this.removedFromApi.delete(uid) || this.stopped) return;
    this.finished.add(uid);
    try {
      await this.opts.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      if (!(err instanceof StatusError) || (err.code !== 404 && err.code !== 409)) this.log('failed to delete terminated pod', { uid, err: (err as Error).message });
    }
  }

  private async cleanOrphans(): Promise<void> {
    if (!this.opts.runtimePodUids) return;
    const known = new Set(this.informer.indexer.list().map((p) => p.metadata.uid));
    for (const entry of await this.opts.runtimePodUids()) {
      if (known.has(entry.uid)) continue;
      this.log('removing runtime state of a pod the API no longer has', { uid: entry.uid });
      await entry.remove().catch((err) => this.log('orphan removal failed', { uid: entry.uid, err: (err as Error).message }));
    }
  }
}

