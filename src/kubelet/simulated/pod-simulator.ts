import { findResource } from '../../api/registry.ts';
import type { KubeClient } from '../../client/interface.ts';
import type { SharedInformer } from '../../machinery/informer.ts';
import { exitAfterMs, exitCodeOf, exitedStatus, isReady, isRunning, isTerminal, readyAgainStatus, runningSince, runningStatus, type PodPlacement, type SimPod } from './pod-status.ts';
import type { ConcurrencyLimiter, TimerWheel } from './timer-wheel.ts';

const PODS = findResource('', 'v1', 'pods')!;
/** The kubelet's status manager compares its pods' status with the API's this often (its sync period). */
const STATUS_SYNC_MS = 10_000;

/** What the pod simulator needs to know about the simulated nodes. */
export interface NodeDirectory {
  /** Whether `nodeName` is one of ours. */
  has(nodeName: string): boolean;
  /** Host and pod IP for the pod on that node (the pod IP allocated from the node's range); undefined while the node cannot start it. */
  place(nodeName: string, pod: SimPod): PodPlacement | undefined;
  /** Frees the pod's IP on that node. */
  release(nodeName: string, uid: string): void;
}

/** Timing and plumbing shared with SimulatedNodes. */
export interface PodSimulatorOptions {
  client: KubeClient;
  wheel: TimerWheel;
  limiter: ConcurrencyLimiter;
  now: () => number;
  /** Run-to-completion containers exit after this many ms unless the pod's annotation says otherwise. */
  defaultExitAfterMs: number;
  /** A deleted pod goes after min(its grace period, this), in ms. */
  maxDeleteDelayMs: number;
  /** Keeps track of a write (for `idle()`); failures are logged by the caller. */
  track: (what: string, write: Promise<unknown>) => void;
}

/**
 * Plays the kubelet's part for pods bound to simulated nodes, driven by one shared pod informer:
 * a bound pod is started at once (status Running, IP from its node's range); a restartPolicy
 * Never/OnFailure pod exits after its delay (Succeeded, Failed or restarted); a pod with a
 * deletionTimestamp is deleted for good (grace period 0, uid precondition) after min(grace, 1 s).
 * Status writes are merge patches of the status subresource carrying the pod's uid. A write's
 * resourceVersion is remembered so that events older than it (the cache lagging behind our own
 * writes) do not trigger the same transition twice.
 */
export class PodSimulator {
  private readonly written = new Map<string, number>();
  private readonly inflight = new Set<string>();
  /** When we started each pod's current run, to the ms (status timestamps only keep seconds). */
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly informer: SharedInformer<SimPod>,
    private readonly nodes: NodeDirectory,
    private readonly opts: PodSimulatorOptions,
  ) {
    informer.addEventHandler({
      onAdd: (pod) => this.sync(pod),
      onUpdate: (_old, pod) => this.sync(pod),
      onDelete: (pod) => this.forget(pod),
    });
  }

  /** Re-examines every cached pod on `nodeName` (its pod range just became known, say). */
  resyncNode(nodeName: string): void {
    for (const pod of this.informer.indexer.list()) if (pod.spec?.nodeName === nodeName) this.sync(pod);
  }

  /** Brings one pod one step further along its lifecycle. */
  sync(pod: SimPod): void {
    const nodeName = pod.spec?.nodeName;
    const uid = pod.metadata.uid ?? '';
    if (!nodeName || !this.nodes.has(nodeName) || this.inflight.has(uid) || this.stale(pod)) return;
    if (pod.metadata.deletionTimestamp) return this.scheduleDelete(pod);
    if (isTerminal(pod)) {
      this.nodes.release(nodeName, uid);
      return;
    }
    if (!isRunning(pod)) return this.start(pod, nodeName);
    if (!isReady(pod)) this.scheduleReady(pod);
    this.scheduleExit(pod);
  }

  /**
   * A running pod whose Ready condition someone else turned False (the node lifecycle controller,
   * while this node's Lease was late) is written back to Ready at the next status sync, as the
   * kubelet's status manager does; without it such pods stayed NotReady for good (a Deployment
   * stuck at 9,914 of 10,000 ready in a loaded scale run).
   */
  private scheduleReady(pod: SimPod): void {
    const uid = pod.metadata.uid ?? '';
    const { namespace, name } = pod.metadata;
    if (this.opts.wheel.has(`ready/${uid}`)) return;
    this.opts.wheel.schedule(`ready/${uid}`, this.opts.now() + STATUS_SYNC_MS, () => {
      const current = this.informer.indexer.getByKey(`${namespace}/${name}`);
      if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp || !isRunning(current) || isReady(current)) return;
      if (this.stale(current) || this.inflight.has(uid)) return this.scheduleReady(current);
      this.writeStatus(current, readyAgainStatus(current, this.opts.now()), 'ready');
    });
  }

  private forget(pod: SimPod): void {
    const uid = pod.metadata.uid ?? '';
    this.opts.wheel.cancel(`exit/${uid}`);
    this.opts.wheel.cancel(`delete/${uid}`);
    this.opts.wheel.cancel(`retry/${uid}`);
    this.opts.wheel.cancel(`ready/${uid}`);
    this.written.delete(uid);
    this.startedAt.delete(uid);
    if (pod.spec?.nodeName && this.nodes.has(pod.spec.nodeName)) this.nodes.release(pod.spec.nodeName, uid);
  }

  /** Whether the cached pod is older than our last write to it. */
  private stale(pod: SimPod): boolean {
    const mine = this.written.get(pod.metadata.uid ?? '');
    const rv = Number(pod.metadata.resourceVersion);
    return mine !== undefined && Number.isFinite(rv) && rv < mine;
  }

  private start(pod: SimPod, nodeName: string): void {
    const where = this.nodes.place(nodeName, pod);
    if (!where) return; // the node has no range yet, or it is full: the pod stays Pending, as with a CNI failure
    const now = this.opts.now();
    this.startedAt.set(pod.metadata.uid ?? '', now);
    this.writeStatus(pod, runningStatus(pod, where, now), 'start');
  }

  private scheduleExit(pod: SimPod): void {
    const delay = exitAfterMs(pod, this.opts.defaultExitAfterMs);
    const uid = pod.metadata.uid ?? '';
    if (delay === undefined || this.opts.wheel.has(`exit/${uid}`)) return;
    const since = this.startedAt.get(uid) ?? runningSince(pod) ?? this.opts.now();
    this.opts.wheel.schedule(`exit/${uid}`, since + delay, () => this.exit(pod.metadata.namespace!, pod.metadata.name!, uid));
  }

  private exit(namespace: string, name: string, uid: string): void {
    const pod = this.informer.indexer.getByKey(`${namespace}/${name}`);
    if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || !isRunning(pod)) return;
    if (this.stale(pod) || this.inflight.has(uid)) {
      // Our last write is not in the cache yet: look again shortly.
      this.opts.wheel.schedule(`exit/${uid}`, this.opts.now() + 100, () => this.exit(namespace, name, uid));
      return;
    }
    const now = this.opts.now();
    this.startedAt.set(uid, now); // a restarted (OnFailure) run counts from now
    this.writeStatus(pod, exitedStatus(pod, exitCodeOf(pod), now), 'exit');
  }

  private scheduleDelete(pod: SimPod): void {
    const uid = pod.metadata.uid ?? '';
    if (this.opts.wheel.has(`delete/${uid}`)) return;
    this.opts.wheel.cancel(`exit/${uid}`);
    const grace = (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
    const at = this.opts.now() + Math.min(grace, this.opts.maxDeleteDelayMs);
    const { namespace, name } = pod.metadata;
    this.opts.wheel.schedule(`delete/${uid}`, at, () => {
      const write = this.opts.limiter.run(() => this.opts.client.delete(PODS, namespace, name!, { gracePeriodSeconds: 0, preconditions: { uid } }));
      this.opts.track(`delete pod ${namespace}/${name}`, write.catch((err: { code?: number }) => {
        if (err.code !== 404 && err.code !== 409) throw err; // already gone, or a new pod took the name
      }));
    });
  }

  private writeStatus(pod: SimPod, status: NonNullable<SimPod['status']>, what: string): void {
    const uid = pod.metadata.uid ?? '';
    const { namespace, name } = pod.metadata;
    this.inflight.add(uid);
    // The uid in the patch makes the write fail if the pod was replaced by another of the same name.
    const patch = { metadata: { uid }, status };
    const write = this.opts.limiter
      .run(() => this.opts.client.patch<SimPod>(PODS, namespace, name!, patch, { type: 'merge', subresource: 'status' }))
      .then(
        (written) => {
          const rv = Number(written.metadata.resourceVersion);
          if (Number.isFinite(rv)) this.written.set(uid, rv);
          this.inflight.delete(uid);
          // Events that arrived during the write were skipped: look at the cached pod again.
          this.resync(namespace!, name!, uid);
        },
        (err: unknown) => {
          this.inflight.delete(uid);
          // Retry from the cache a little later rather than in a hot loop (the pod may be gone).
          this.opts.wheel.schedule(`retry/${uid}`, this.opts.now() + 1000, () => this.resync(namespace!, name!, uid));
          throw err;
        },
      );
    this.opts.track(`${what} pod ${namespace}/${name}`, write);
  }

  private resync(namespace: string, name: string, uid: string): void {
    const cached = this.informer.indexer.getByKey(`${namespace}/${name}`);
    if (cached && cached.metadata.uid === uid) this.sync(cached);
  }
}
