/**
 * The scheduler wired to the API (pkg/scheduler/scheduler.go + schedule_one.go): shared informers
 * feed the snapshot and the queue; one loop pops pods and runs the scheduling cycle synchronously;
 * binding runs asynchronously with a bounded number of binds in flight, so the loop never waits on
 * the network unless that many binds are outstanding. Failures become a FailedScheduling Event, the
 * PodScheduled=False condition and a trip back into the queue; preemption deletes the victims and
 * nominates the node.
 */
import { setMaxListeners } from 'node:events';
import type { KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import { ApiEventRecorder, type EventRecorder } from '../machinery/event-recorder.ts';
import type { SharedInformer } from '../machinery/informer.ts';
import type { SharedInformerFactory } from '../machinery/informer-factory.ts';
import type { Lister } from '../machinery/lister.ts';
import { ApiBinder, PODS, clearNominatedNodeName, podObject, preemptVictim } from './api-actions.ts';
import { moveOn, namespaceHandler, nodeHandler, podHandler, type HandlerTarget } from './event-handlers.ts';
import { FitError, NO_NODES_AVAILABLE } from './fit-error.ts';
import { DEFAULT_PROFILE, type Handle, type Profile, type Registry } from './framework.ts';
import { newPodInfo } from './pod-info.ts';
import { REASON_SCHEDULER_ERROR, REASON_UNSCHEDULABLE, schedulingFailurePatch, truncateMessage } from './pod-status.ts';
import { inTreeRegistry } from './plugins/index.ts';
import { PriorityResolver, type PriorityClassLike } from './priority.ts';
import { SchedulingQueue, type QueueOptions, type QueuedPodInfo } from './queue.ts';
import { Framework } from './runtime.ts';
import { ScheduleAlgorithm, type Scheduled, type Unschedulable } from './schedule-one.ts';
import { Snapshot } from './snapshot.ts';
import { podPriority } from './types.ts';
import type { Pod } from './types.ts';

const ref = (group: string, version: string, resource: string) => findResource(group, version, resource)!;
const NODES = ref('', 'v1', 'nodes');
const NAMESPACES = ref('', 'v1', 'namespaces');
const PVCS = ref('', 'v1', 'persistentvolumeclaims');
const PVS = ref('', 'v1', 'persistentvolumes');
const SERVICES = ref('', 'v1', 'services');
const RCS = ref('', 'v1', 'replicationcontrollers');
const REPLICA_SETS = ref('apps', 'v1', 'replicasets');
const STATEFUL_SETS = ref('apps', 'v1', 'statefulsets');
const STORAGE_CLASSES = ref('storage.k8s.io', 'v1', 'storageclasses');
const PRIORITY_CLASSES = ref('scheduling.k8s.io', 'v1', 'priorityclasses');

/**
 * Default bound on concurrent binding calls. kube-scheduler binds each pod in its own goroutine
 * with no cap; a bound keeps memory in check, and a high one lets many binds share one storage
 * commit (the API server groups concurrent writes into one transaction and fsync), so throughput
 * does not fall to in-flight / commit latency when the disk is slow.
 */
export const DEFAULT_MAX_IN_FLIGHT_BINDS = 256;

/** Options of a Scheduler. */
export interface SchedulerOptions {
  /** The profile (default DEFAULT_PROFILE, schedulerName default-scheduler). */
  profile?: Profile;
  registry?: Registry;
  /** Overrides the profile's percentageOfNodesToScore. */
  percentageOfNodesToScore?: number;
  /** Most binds outstanding at once (default 256). */
  maxInFlightBinds?: number;
  /** Where Events go (default: an ApiEventRecorder as component "default-scheduler"). */
  recorder?: EventRecorder;
  /** Queue timing (backoff, unschedulable timeout, clock). */
  queue?: Pick<QueueOptions, 'initialBackoffMs' | 'maxBackoffMs' | 'maxUnschedulableMs' | 'now'>;
  /** Milliseconds of scheduling before the loop yields to I/O (default 10). */
  sliceMs?: number;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/** A kube-scheduler: construct it (handlers are registered at once), then `run(signal)`. */
export class Scheduler implements HandlerTarget {
  readonly snapshot = new Snapshot();
  readonly framework: Framework;
  readonly queue: SchedulingQueue;
  readonly algorithm: ScheduleAlgorithm;
  readonly recorder: EventRecorder;
  readonly priorities: PriorityResolver;
  readonly schedulerNames: ReadonlySet<string>;
  private readonly podLister: Lister<KubeObject>;
  private readonly informers: SharedInformer<KubeObject>[] = [];
  private readonly unsubscribe: (() => void)[] = [];
  private readonly pending = new Set<Promise<unknown>>();
  private readonly maxInFlight: number;
  private readonly sliceMs: number;
  private readonly log: NonNullable<SchedulerOptions['log']>;
  private bindsInFlight = 0;
  private slotWaiters: (() => void)[] = [];

  constructor(readonly client: KubeClient, readonly factory: SharedInformerFactory, options: SchedulerOptions = {}) {
    const profile = options.profile ?? DEFAULT_PROFILE;
    this.schedulerNames = new Set([profile.schedulerName]);
    this.maxInFlight = options.maxInFlightBinds ?? DEFAULT_MAX_IN_FLIGHT_BINDS;
    this.sliceMs = options.sliceMs ?? 10;
    this.log = options.log ?? (() => {});
    this.recorder = options.recorder ?? new ApiEventRecorder(client, { component: profile.schedulerName }, this.log);
    const lister = (r: typeof PODS): Lister<KubeObject> => this.informer(r).lister();
    this.podLister = lister(PODS);
    const pcs = lister(PRIORITY_CLASSES);
    this.priorities = new PriorityResolver({ get: (name) => pcs.get(undefined, name) as PriorityClassLike | undefined, list: () => pcs.list() as PriorityClassLike[] });
    const handle = this.handle(lister);
    this.framework = new Framework(profile, options.registry ?? inTreeRegistry(), handle);
    const less = this.framework.queueSort;
    this.queue = new SchedulingQueue({
      ...options.queue,
      less: less ? (a, b) => less.less(a, b) : undefined,
      eventsByPlugin: this.framework.eventsByPlugin(),
      preEnqueue: (pod) => this.framework.runPreEnqueuePlugins(pod),
    });
    handle.nominator = this.queue;
    this.algorithm = new ScheduleAlgorithm(this.framework, this.snapshot, { percentageOfNodesToScore: options.percentageOfNodesToScore });
    this.subscribe();
  }

  private informer(r: typeof PODS): SharedInformer<KubeObject> {
    const informer = this.factory.informerFor(r);
    if (!this.informers.includes(informer)) this.informers.push(informer);
    return informer;
  }

  /** The framework handle: snapshot, listers for the plugins, the API binder. */
  private handle(lister: (r: typeof PODS) => Lister<KubeObject>): Handle {
    const pvcs = lister(PVCS);
    const classes = lister(STORAGE_CLASSES);
    const services = lister(SERVICES);
    const controllers: Record<string, Lister<KubeObject>> = { ReplicationController: lister(RCS), ReplicaSet: lister(REPLICA_SETS), StatefulSet: lister(STATEFUL_SETS) };
    return {
      snapshot: this.snapshot,
      pvcs: { get: (ns, name) => pvcs.get(ns, name) as ReturnType<NonNullable<Handle['pvcs']>['get']> },
      storageClasses: { get: (name) => classes.get(undefined, name) as { volumeBindingMode?: string } | undefined },
      workloads: {
        services: (ns) => services.namespace(ns).list() as { spec?: { selector?: Record<string, string> } }[],
        controller: (kind, ns, name) => controllers[kind]?.get(ns, name) as { spec?: { selector?: unknown } } | undefined,
      },
      binder: new ApiBinder(this.client),
    };
  }

  private subscribe(): void {
    const on = (r: typeof PODS, h: Parameters<SharedInformer<KubeObject>['addEventHandler']>[0]): void => {
      this.unsubscribe.push(this.informer(r).addEventHandler(h));
    };
    on(NODES, nodeHandler(this));
    on(NAMESPACES, namespaceHandler(this));
    on(PODS, podHandler(this));
    on(PVCS, moveOn(this.queue, { add: 'PvcAdd', update: 'PvcUpdate' }));
    on(PVS, moveOn(this.queue, { add: 'PvAdd', update: 'PvUpdate' }));
    on(STORAGE_CLASSES, moveOn(this.queue, { add: 'StorageClassAdd' }));
    on(SERVICES, moveOn(this.queue, { add: 'ServiceChange', update: 'ServiceChange', delete: 'ServiceChange' }));
  }

  /** Starts the informers and resolves true once this scheduler's caches are synced. */
  async waitForSync(signal?: AbortSignal): Promise<boolean> {
    this.factory.start();
    // One listener on the caller's signal; the informers (one listener each) hang off a local one.
    const local = new AbortController();
    setMaxListeners(0, local.signal);
    const abort = (): void => local.abort();
    signal?.addEventListener('abort', abort, { once: true });
    if (signal?.aborted) local.abort();
    try {
      const results = await Promise.all(this.informers.map((i) => i.waitForSync(local.signal)));
      return results.every(Boolean);
    } finally {
      signal?.removeEventListener('abort', abort);
    }
  }

  /**
   * Schedules until `signal` aborts: waits for the caches, starts the queue's flush timers, runs
   * the loop, then lets outstanding binds and writes finish and detaches from the informers.
   */
  async run(signal: AbortSignal): Promise<void> {
    const stop = (): void => {
      this.queue.close();
      for (const wake of this.slotWaiters.splice(0)) wake();
    };
    signal.addEventListener('abort', stop, { once: true });
    try {
      if (!(await this.waitForSync(signal)) || signal.aborted) return;
      this.queue.run();
      await this.loop(signal);
    } finally {
      signal.removeEventListener('abort', stop);
      stop();
      await this.whenIdle();
      for (const off of this.unsubscribe.splice(0)) off();
    }
  }

  private async loop(signal: AbortSignal): Promise<void> {
    let sliceStart = performance.now();
    let busy = false;
    // While a backlog is being bound, Events (best effort) trickle instead of competing with binds
    // for this event loop and the API server; they catch up when the queue runs dry.
    const setBusy = (b: boolean): void => {
      if (b !== busy) this.recorder.setBusy?.((busy = b));
    };
    try {
      while (!signal.aborted) {
        if (this.bindsInFlight >= this.maxInFlight) {
          await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
          continue;
        }
        let qp = this.queue.tryPop();
        if (qp) setBusy(true);
        else {
          setBusy(false);
          qp = await this.queue.pop();
          sliceStart = performance.now();
        }
        if (!qp || signal.aborted) break;
        this.scheduleQueued(qp);
        // Cycles are synchronous; without yielding, watch events and bind responses would starve.
        if (performance.now() - sliceStart >= this.sliceMs) {
          await new Promise((resolve) => setImmediate(resolve));
          sliceStart = performance.now();
        }
      }
    } finally {
      setBusy(false);
    }
  }

  /** Pops one pod and schedules it (binding continues in the background); false when nothing is active. */
  scheduleNext(): boolean {
    const qp = this.queue.tryPop();
    if (!qp) return false;
    this.scheduleQueued(qp);
    return true;
  }

  /** Resolves once every bind and API write started so far has settled. */
  async whenIdle(): Promise<void> {
    while (this.pending.size) await Promise.allSettled([...this.pending]);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch((err) => this.log('scheduler API call failed', { error: err instanceof Error ? err.message : String(err) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /**
   * The pod as the informer has it now, priority resolved, or undefined when it should not be
   * scheduled (gone, recreated, bound, or being deleted: skipPodSchedule).
   */
  private livePod(qp: QueuedPodInfo): Pod | undefined {
    const meta = qp.pod.metadata ?? {};
    const cached = this.podLister.get(meta.namespace, meta.name ?? '') as Pod | undefined;
    if (!cached || cached.metadata?.uid !== meta.uid || cached.spec?.nodeName) return undefined;
    if (cached.metadata?.resourceVersion === meta.resourceVersion) return qp.pod;
    return this.priorities.resolve(cached);
  }

  private scheduleQueued(qp: QueuedPodInfo): void {
    const pod = this.livePod(qp);
    if (!pod || pod.metadata?.deletionTimestamp || this.snapshot.isAssumed(pod)) return this.queue.done(qp.uid);
    if (pod !== qp.pod) Object.assign(qp, { pod, info: newPodInfo(pod), priority: podPriority(pod) });
    const outcome = this.algorithm.scheduleOne(qp.info);
    if (outcome.kind === 'unschedulable') return this.handleFailure(qp, outcome);
    // The assumed pod's resources now count; its nomination is no longer needed (assume).
    this.queue.deleteNominatedPod(qp.uid);
    this.bindAsync(qp, outcome);
  }

  private bindAsync(qp: QueuedPodInfo, scheduled: Scheduled): void {
    this.bindsInFlight++;
    const bound = this.algorithm.bind(scheduled).then((status) => {
      if (status) {
        this.log('binding failed; the pod goes back to the queue', { pod: `${qp.pod.metadata?.namespace}/${qp.pod.metadata?.name}`, node: scheduled.nodeName, error: status.message() });
        this.handleFailure(qp, { kind: 'unschedulable', pod: scheduled.pod, error: new Error(status.message()), victims: [], unschedulablePlugins: new Set() });
        return;
      }
      this.queue.done(qp.uid);
      const { namespace, name } = qp.pod.metadata ?? {};
      this.recorder.event(podObject(qp.pod), 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${scheduled.nodeName}`);
    });
    this.track(
      bound.finally(() => {
        this.bindsInFlight--;
        this.slotWaiters.shift()?.();
      }),
    );
  }

  /**
   * handleSchedulingFailure: requeue the pod (unless it was deleted or bound meanwhile), record the
   * nomination, then FailedScheduling Event, PodScheduled=False condition and preemption's writes.
   */
  private handleFailure(qp: QueuedPodInfo, outcome: Unschedulable): void {
    const err = outcome.error;
    const rejected = err instanceof FitError || err.message === NO_NODES_AVAILABLE;
    const message = err.message;
    const live = this.livePod(qp);
    if (live) {
      if (live !== qp.pod) Object.assign(qp, { pod: live, info: newPodInfo(live), priority: podPriority(live) });
      this.queue.addUnschedulable(qp, rejected ? outcome.unschedulablePlugins : new Set());
    } else {
      this.queue.done(qp.uid);
    }
    const nominated = outcome.nominatedNodeName;
    if (nominated) this.queue.addNominatedPod(qp.info, nominated);
    else if (nominated === '') this.queue.deleteNominatedPod(qp.uid);
    if (!live) {
      this.log('pod is gone or bound; not requeued', { pod: `${qp.pod.metadata?.namespace}/${qp.pod.metadata?.name}`, error: message });
      return;
    }
    this.recorder.event(podObject(live), 'Warning', 'FailedScheduling', truncateMessage(message));
    const patch = schedulingFailurePatch(live, rejected ? REASON_UNSCHEDULABLE : REASON_SCHEDULER_ERROR, message, nominated);
    if (patch) this.track(this.client.patch(PODS, live.metadata?.namespace, live.metadata?.name ?? '', patch, { type: 'strategic', subresource: 'status' }));
    if (nominated && outcome.victims.length) this.track(this.preempt(live, nominated, outcome.victims));
  }

  /** prepareCandidate: evict the victims, then clear the nominations of lower-priority pods on that node. */
  private async preempt(preemptor: Pod, nodeName: string, victims: Pod[]): Promise<void> {
    await Promise.all(victims.map((victim) => preemptVictim(this.client, this.recorder, preemptor, victim, nodeName)));
    const priority = podPriority(preemptor);
    const lower = this.queue.nominatedPodsForNode(nodeName).filter((p) => p.priority < priority && p.uid !== preemptor.metadata?.uid);
    for (const p of lower) this.queue.deleteNominatedPod(p.uid);
    await Promise.all(lower.map((p) => clearNominatedNodeName(this.client, p.pod)));
  }
}
