import { jsonEqual, nowTimestamp } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { StatusError } from '../api/errors.ts';
import type { KubeClient } from '../client/interface.ts';
import { SharedInformer } from '../machinery/informer.ts';
import { stripManagedFields } from '../machinery/transforms.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import { PodWorkers } from './pod-workers.ts';
import type { PullCredentialsSource } from './image-manager.ts';
import type { PodRuntime, KubeletPod } from './runtime-interface.ts';
import { realClock } from './runtime-interface.ts';
import { isMirrorPod, mirrorPodFor, CONFIG_MIRROR, CONFIG_HASH } from './static-pods.ts';

const PODS = findResource('', 'v1', 'pods')!;
const MIRROR_RECREATE_DELAY_MS = 1000;

/** Options of Kubelet. */
export interface KubeletOptions {
  client: KubeClient;
  nodeName: string;
  nodeIP: string;
  runtime: PodRuntime;
  recorder?: EventRecorder;
  /** Lists the UIDs of pods that have runtime state on this node (sandboxes), for orphan cleanup at start. */
  runtimePodUids?(): Promise<{ uid: string; remove(): Promise<void> }[]>;
  /** Called once a deleted pod is fully torn down (volumes are cleaned here). */
  onPodTerminated?(pod: KubeletPod): Promise<void>;
  /** Registry credentials from a pod's imagePullSecrets (kubelet's pull secrets + keyring); default: anonymous pulls. */
  pullCredentials?: PullCredentialsSource;
  /** The Node's uid, owner of mirror pods (resolved lazily when absent). */
  nodeUid?(): string | undefined;
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
  /** Static pods from the manifest folder, by UID (the manifest hash). */
  private readonly staticPods = new Map<string, KubeletPod>();
  /** Static pods whose manifest went away: their mirror is removed once they are down. */
  private readonly removedStatic = new Set<string>();
  /** One mirror sync per pod name at a time; a request during one runs it again after. */
  private readonly mirrorSyncs = new Map<string, Promise<void>>();
  private readonly mirrorResync = new Set<string>();
  private readonly log: (msg: string, extra?: Record<string, unknown>) => void;
  private stopped = false;

  constructor(private readonly opts: KubeletOptions) {
    this.log = opts.log ?? (() => {});
    // managedFields are never read here (kubelet's informers drop them too): less memory per pod.
    this.informer = new SharedInformer<KubeletPod>(opts.client, PODS, { fieldSelector: `spec.nodeName=${opts.nodeName}`, transform: stripManagedFields, log: this.log });
    this.workers = new PodWorkers({
      runtime: opts.runtime,
      clock: realClock,
      hostIP: opts.nodeIP,
      resyncMs: opts.resyncMs,
      onStatus: (pod, status) => this.setStatus(pod, status),
      onTerminated: (pod) => void this.terminated(pod),
      onEvent: (pod, type, reason, message) => opts.recorder?.event(pod, type, reason, message),
      pullCredentials: opts.pullCredentials,
      onError: (pod, err) => this.syncFailed(pod, err),
    });
  }

  /** Starts watching this node's pods; resolves once the first list is in and orphans are cleaned. */
  async start(): Promise<void> {
    this.informer.addEventHandler({
      onAdd: (pod) => this.apiPodChanged(pod),
      onUpdate: (_old, pod) => this.apiPodChanged(pod),
      onDelete: (pod) => (isMirrorPod(pod) ? this.syncMirror(pod.metadata.namespace!, pod.metadata.name!) : this.podRemoved(pod)),
    });
    this.informer.start();
    await this.informer.waitForSync();
    await this.cleanOrphans().catch((err) => this.log('orphan cleanup failed', { err: (err as Error).message }));
  }

  /** The pod with this namespace/name as the kubelet last saw it (for the kubelet's HTTPS API). */
  getPod(namespace: string, name: string): KubeletPod | undefined {
    return this.staticPodNamed(namespace, name) ?? this.informer.indexer.getByKey(`${namespace}/${name}`);
  }

  /** Every pod this kubelet runs: the API's pods bound to this node (mirror pods stand for their static pods) and static pods. */
  pods(): KubeletPod[] {
    return [...this.informer.indexer.list().filter((p) => !isMirrorPod(p)), ...this.staticPods.values()];
  }

  /** Stops watching and the workers' timers; running containers keep running, as when kubelet stops. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.workers.stop();
    await this.informer.stop();
    await Promise.all([...this.statuses.values()].map((s) => s.writing));
  }

  /**
   * Replaces the set of static pods (kubelet's file source): new manifests start and get a mirror
   * pod in the API; vanished or edited ones (an edit changes the UID) are killed and their mirror
   * removed once they are down.
   */
  setStaticPods(pods: KubeletPod[]): void {
    const wanted = new Set(pods.map((p) => p.metadata.uid!));
    for (const [uid, pod] of this.staticPods) {
      if (wanted.has(uid)) continue;
      this.staticPods.delete(uid);
      this.removedStatic.add(uid);
      const grace = pod.spec.terminationGracePeriodSeconds ?? 30;
      void this.workers.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: nowTimestamp(), deletionGracePeriodSeconds: grace } });
    }
    for (const pod of pods) {
      if (this.staticPods.has(pod.metadata.uid!)) continue;
      this.staticPods.set(pod.metadata.uid!, pod);
      void this.workers.update(pod);
      void this.syncMirror(pod.metadata.namespace!, pod.metadata.name!);
    }
  }

  private staticPodNamed(namespace: string, name: string): KubeletPod | undefined {
    for (const pod of this.staticPods.values()) if (pod.metadata.namespace === namespace && pod.metadata.name === name) return pod;
    return undefined;
  }

  /** Pods from the API: mirror pods are not run (their static pod is), everything else is. */
  private apiPodChanged(pod: KubeletPod): void {
    if (!isMirrorPod(pod)) {
      void this.workers.update(pod);
      return;
    }
    void this.syncMirror(pod.metadata.namespace!, pod.metadata.name!);
  }

  /**
   * Makes the API hold exactly one current mirror pod for the static pod of that name: a missing
   * mirror is created, a stale one (another hash, or being deleted) is deleted and recreated, and a
   * mirror without a static pod is deleted (kubelet's mirror pod manager).
   */
  private syncMirror(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const running = this.mirrorSyncs.get(key);
    if (running) {
      this.mirrorResync.add(key);
      return running;
    }
    const done = this.doSyncMirror(namespace, name)
      .catch((err) => this.log('failed to sync mirror pod', { pod: key, err: (err as Error).message }))
      .finally(() => {
        this.mirrorSyncs.delete(key);
        if (this.mirrorResync.delete(key) && !this.stopped) void this.syncMirror(namespace, name);
      });
    this.mirrorSyncs.set(key, done);
    return done;
  }

  private async doSyncMirror(namespace: string, name: string): Promise<void> {
    if (this.stopped) return;
    const staticPod = this.staticPodNamed(namespace, name);
    const mirror = this.informer.indexer.getByKey(`${namespace}/${name}`);
    const current = mirror && isMirrorPod(mirror) && !mirror.metadata.deletionTimestamp && staticPod
      && mirror.metadata.annotations?.[CONFIG_MIRROR] === staticPod.metadata.annotations?.[CONFIG_HASH];
    if (current) return;
    if (mirror && isMirrorPod(mirror)) {
      try {
        await this.opts.client.delete(PODS, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid: mirror.metadata.uid } });
      } catch (err) {
        if (!(err instanceof StatusError) || (err.code !== 404 && err.code !== 409)) throw err;
      }
    }
    if (!staticPod || (mirror && !isMirrorPod(mirror))) return;
    // Recreate on the next sync, as kubelet's sync loop would: a client waiting for the old mirror's
    // deletion (kubectl delete) sees its DELETED event before a pod of the same name reappears.
    if (mirror) await new Promise((r) => setTimeout(r, MIRROR_RECREATE_DELAY_MS));
    if (this.stopped || !this.staticPods.has(staticPod.metadata.uid!)) return;
    try {
      await this.opts.client.create(PODS, mirrorPodFor(staticPod, { name: this.opts.nodeName, uid: this.opts.nodeUid?.() }));
    } catch (err) {
      if (!(err instanceof StatusError) || err.code !== 409) throw err;
      return;
    }
    // A new mirror starts with no status: forget what was written to the old one and report again.
    this.statuses.delete(staticPod.metadata.uid!);
    void this.workers.update(staticPod);
  }

  /**
   * A failed sync is retried on the next resync; what failed becomes events in kubelet's words
   * (FailedMount per volume, FailedCreatePodSandBox, NetworkNotReady), each repeat folded by the recorder.
   */
  private syncFailed(pod: KubeletPod, err: Error): void {
    const events = (err as Error & { events?: string[]; reason?: string }).events;
    const reason = (err as Error & { reason?: string }).reason;
    if (events && reason) for (const message of events) this.opts.recorder?.event(pod, 'Warning', reason, message);
    else if (err.message.startsWith('network is not ready')) this.opts.recorder?.event(pod, 'Warning', 'NetworkNotReady', err.message);
    else if (err.message.startsWith('CRI RunPodSandbox')) this.opts.recorder?.event(pod, 'Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${err.message}`);
    this.log('error syncing pod, skipping', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, err: err.message });
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
        // A static pod's status goes to its mirror pod, which has a UID of its own.
        const meta = pod.metadata.annotations?.[CONFIG_HASH] ? {} : { metadata: { uid: pod.metadata.uid } };
        await this.opts.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { ...meta, status: body }, { type: 'merge', subresource: 'status' });
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
    if (this.removedStatic.delete(uid)) {
      await this.syncMirror(pod.metadata.namespace!, pod.metadata.name!);
      return;
    }
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
    const known = new Set([...this.informer.indexer.list().map((p) => p.metadata.uid), ...this.staticPods.keys()]);
    for (const entry of await this.opts.runtimePodUids()) {
      if (known.has(entry.uid)) continue;
      this.log('removing runtime state of a pod the API no longer has', { uid: entry.uid });
      await entry.remove().catch((err) => this.log('orphan removal failed', { uid: entry.uid, err: (err as Error).message }));
    }
  }
}

