/**
 * The scheduling queue (internal/queue/scheduling_queue.go): activeQ ordered by the profile's
 * QueueSort (priority, then time), backoffQ for pods waiting out their per-pod backoff (1 s doubling
 * to 10 s), and the unschedulable pods, which move back when a cluster event may help them or after
 * 5 minutes. Every pod is in at most one place, keyed by uid. Also tracks nominated pods
 * (PodNominator) for preemption.
 */
import type { ClusterEvent, Nominator, QueuedPod } from './framework.ts';
import { KeyedHeap } from './heap.ts';
import { newPodInfo } from './pod-info.ts';
import type { PodInfo } from './pod-info.ts';
import { prioritySortLess } from './plugins/priority-sort.ts';
import type { Result } from './status.ts';
import { podPriority, podUid } from './types.ts';
import type { Pod } from './types.ts';

/** Defaults of kube-scheduler: podInitialBackoffSeconds 1, podMaxBackoffSeconds 10, 5 minutes in unschedulable. */
export const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;
export const DEFAULT_MAX_UNSCHEDULABLE_MS = 5 * 60_000;

/** A pod in the queue with its scheduling history (framework.QueuedPodInfo). */
export interface QueuedPodInfo extends QueuedPod {
  info: PodInfo;
  uid: string;
  /** Scheduling attempts so far (incremented on pop). */
  attempts: number;
  /** When the pod was first added (ms). */
  initialAttemptTimestamp: number;
  /** Plugins that rejected it last time; an event moves it only if one of them cares. */
  unschedulablePlugins: Set<string>;
  /** Rejected by a PreEnqueue plugin (scheduling gates): waits in unschedulable until updated. */
  gated: boolean;
  /** The scheduling cycle in which the pod was last popped. */
  cycle?: number;
}

/** Queue options. */
export interface QueueOptions {
  less?: (a: QueuedPod, b: QueuedPod) => boolean;
  now?: () => number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  maxUnschedulableMs?: number;
  /** Which events each plugin registered (Framework.eventsByPlugin()). */
  eventsByPlugin?: Map<string, Set<ClusterEvent>>;
  /** PreEnqueue check (Framework.runPreEnqueuePlugins). */
  preEnqueue?: (pod: Pod) => Result;
}

/** The scheduling queue. Single-threaded: call flush() periodically (run() does it on timers). */
export class SchedulingQueue implements Nominator {
  private readonly active: KeyedHeap<QueuedPodInfo>;
  private readonly backoff: KeyedHeap<QueuedPodInfo>;
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, QueuedPodInfo>();
  private readonly nominated = new Map<string, PodInfo[]>();
  private readonly nominatedNodeOf = new Map<string, string>();
  private readonly now: () => number;
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;
  private readonly maxUnschedulable: number;
  private readonly eventsByPlugin: Map<string, Set<ClusterEvent>>;
  private readonly preEnqueue?: (pod: Pod) => Result;
  /** Incremented per pop (schedulingCycle); an event during a cycle sends a failed pod to backoff, not unschedulable. */
  private schedulingCycle = 0;
  private moveRequestCycle = -1;
  private waiters: ((p: QueuedPodInfo | undefined) => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private closed = false;

  constructor(options: QueueOptions = {}) {
    const less = options.less ?? prioritySortLess;
    this.active = new KeyedHeap<QueuedPodInfo>((p) => p.uid, less);
    this.now = options.now ?? Date.now;
    this.backoff = new KeyedHeap<QueuedPodInfo>((p) => p.uid, (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
    this.initialBackoff = options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS;
    this.maxBackoff = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
    this.maxUnschedulable = options.maxUnschedulableMs ?? DEFAULT_MAX_UNSCHEDULABLE_MS;
    this.eventsByPlugin = options.eventsByPlugin ?? new Map();
    this.preEnqueue = options.preEnqueue;
  }

  /** Sizes of the three sub-queues (for metrics and tests). */
  stats(): { active: number; backoff: number; unschedulable: number; inFlight: number } {
    return { active: this.active.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size, inFlight: this.inFlight.size };
  }

  /** Whether a pod (by uid) is anywhere in the queue, including in flight. */
  has(uid: string): boolean {
    return this.active.has(uid) || this.backoff.has(uid) || this.unschedulable.has(uid) || this.inFlight.has(uid);
  }

  /** Backoff for the pod's attempts: initial * 2^(attempts-1), capped at max (calculateBackoffDuration). */
  backoffDuration(p: QueuedPodInfo): number {
    let d = this.initialBackoff;
    for (let i = 1; i < p.attempts; i++) {
      if (d > this.maxBackoff - d) return this.maxBackoff;
      d += d;
    }
    return d;
  }

  private backoffExpiry(p: QueuedPodInfo): number {
    return p.timestamp + this.backoffDuration(p);
  }

  private isBackingOff(p: QueuedPodInfo): boolean {
    return p.attempts > 0 && this.backoffExpiry(p) > this.now();
  }

  /** A new unscheduled pod (informer add). Deduplicated by uid. */
  add(pod: Pod): void {
    const uid = podUid(pod);
    if (this.has(uid)) return this.update(pod);
    const t = this.now();
    const qp: QueuedPodInfo = { pod, info: newPodInfo(pod), uid, priority: podPriority(pod), timestamp: t, initialAttemptTimestamp: t, attempts: 0, unschedulablePlugins: new Set(), gated: false };
    this.moveToActiveQ(qp);
  }

  /** Runs PreEnqueue; a gated pod parks in unschedulable. */
  private moveToActiveQ(qp: QueuedPodInfo): void {
    const gate = this.preEnqueue?.(qp.pod);
    if (gate && gate.code !== 0) {
      qp.gated = true;
      qp.unschedulablePlugins = new Set([gate.plugin]);
      this.unschedulable.set(qp.uid, qp);
      return;
    }
    qp.gated = false;
    this.active.push(qp);
    this.wake();
  }

  /** An unscheduled pod changed (informer update): refresh it where it is; an unschedulable pod gets another chance. */
  update(pod: Pod): void {
    const uid = podUid(pod);
    const refresh = (qp: QueuedPodInfo): QueuedPodInfo => ({ ...qp, pod, info: newPodInfo(pod), priority: podPriority(pod) });
    if (this.active.has(uid)) return this.active.push(refresh(this.active.get(uid)!));
    if (this.backoff.has(uid)) return this.backoff.push(refresh(this.backoff.get(uid)!));
    const u = this.unschedulable.get(uid);
    if (u) {
      this.unschedulable.delete(uid);
      const qp = refresh(u);
      if (!qp.gated && this.isBackingOff(qp)) this.backoff.push(qp);
      else this.moveToActiveQ(qp);
      return;
    }
    const f = this.inFlight.get(uid);
    if (f) {
      this.inFlight.set(uid, refresh(f));
      this.moveRequestCycle = this.schedulingCycle;
      return;
    }
    this.add(pod);
  }

  /** The pod was deleted or got bound by someone else: drop it everywhere. */
  delete(pod: Pod): void {
    const uid = podUid(pod);
    this.active.delete(uid);
    this.backoff.delete(uid);
    this.unschedulable.delete(uid);
    this.inFlight.delete(uid);
    this.deleteNominatedPod(uid);
  }

  /** Pops the next pod without waiting (after moving completed backoffs); undefined when activeQ is empty. */
  tryPop(): QueuedPodInfo | undefined {
    this.flushBackoffCompleted();
    const qp = this.active.pop();
    if (!qp) return undefined;
    qp.attempts++;
    this.schedulingCycle++;
    qp.cycle = this.schedulingCycle;
    this.inFlight.set(qp.uid, qp);
    return qp;
  }

  /** Pops the next pod, waiting until one is available; undefined once the queue is closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const qp = this.tryPop();
    if (qp || this.closed) return Promise.resolve(qp);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    while (this.waiters.length && this.active.size) {
      // Take the waiter before popping: tryPop can flush the backoff queue, which re-enters wake().
      const waiter = this.waiters.shift()!;
      const qp = this.tryPop();
      if (!qp) {
        this.waiters.unshift(waiter);
        break;
      }
      waiter(qp);
    }
  }

  /** Scheduling of a popped pod finished successfully (Done): it leaves the queue. */
  done(uid: string): void {
    this.inFlight.delete(uid);
  }

  /**
   * A popped pod failed (AddUnschedulableIfNotPresent). With `unschedulablePlugins` empty (an error)
   * it goes to backoff; if a cluster event arrived while it was being scheduled it goes to backoff
   * too; otherwise it waits in unschedulable for an event its rejecting plugins care about.
   */
  addUnschedulable(qp: QueuedPodInfo, unschedulablePlugins: Set<string>): void {
    if (!this.inFlight.has(qp.uid)) return;
    const current = this.inFlight.get(qp.uid)!;
    this.inFlight.delete(qp.uid);
    current.unschedulablePlugins = unschedulablePlugins;
    current.timestamp = this.now();
    if (unschedulablePlugins.size === 0 || this.moveRequestCycle >= (qp.cycle ?? 0)) this.backoff.push(current);
    else this.unschedulable.set(current.uid, current);
  }

  /** A cluster event: unschedulable pods whose rejecting plugins registered for it move to backoff or active. */
  moveAllToActiveOrBackoffQueue(event: ClusterEvent): void {
    for (const [uid, qp] of this.unschedulable) {
      if (qp.gated && event !== 'ForceActivate') continue;
      if (!this.interested(qp, event)) continue;
      this.unschedulable.delete(uid);
      this.requeue(qp);
    }
    this.moveRequestCycle = this.schedulingCycle;
  }

  private interested(qp: QueuedPodInfo, event: ClusterEvent): boolean {
    if (event === 'UnschedulableTimeout' || event === 'ForceActivate' || qp.unschedulablePlugins.size === 0) return true;
    for (const p of qp.unschedulablePlugins) if (this.eventsByPlugin.get(p)?.has(event) ?? true) return true;
    return false;
  }

  private requeue(qp: QueuedPodInfo): void {
    if (this.isBackingOff(qp)) this.backoff.push(qp);
    else this.moveToActiveQ(qp);
  }

  /** Moves pods whose backoff expired to activeQ (flushBackoffQCompleted, every second). */
  flushBackoffCompleted(): void {
    const now = this.now();
    for (;;) {
      const top = this.backoff.peek();
      if (!top || this.backoffExpiry(top) > now) break;
      this.backoff.pop();
      this.moveToActiveQ(top);
    }
  }

  /** Moves pods unschedulable for longer than 5 minutes back (flushUnschedulablePodsLeftover, every 30 s). */
  flushUnschedulableLeftover(): void {
    const now = this.now();
    for (const [uid, qp] of this.unschedulable) {
      if (qp.gated || now - qp.timestamp <= this.maxUnschedulable) continue;
      this.unschedulable.delete(uid);
      this.requeue(qp);
    }
  }

  /** Starts the periodic flushes (1 s and 30 s, as kube-scheduler). */
  run(): void {
    this.timers.push(setInterval(() => { this.flushBackoffCompleted(); this.wake(); }, 1_000).unref());
    this.timers.push(setInterval(() => { this.flushUnschedulableLeftover(); this.wake(); }, 30_000).unref());
  }

  /** Stops timers and releases waiting pop() calls with undefined. */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  /** Records that a pod is nominated to a node (AddNominatedPod); replaces an earlier nomination. */
  addNominatedPod(info: PodInfo, nodeName: string): void {
    this.deleteNominatedPod(info.uid);
    if (!nodeName) return;
    const list = this.nominated.get(nodeName) ?? [];
    list.push(info);
    this.nominated.set(nodeName, list);
    this.nominatedNodeOf.set(info.uid, nodeName);
  }

  /** Forgets a pod's nomination (DeleteNominatedPodIfExists). */
  deleteNominatedPod(uid: string): void {
    const node = this.nominatedNodeOf.get(uid);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(uid);
    const list = (this.nominated.get(node) ?? []).filter((p) => p.uid !== uid);
    if (list.length) this.nominated.set(node, list);
    else this.nominated.delete(node);
  }

  /** Pods nominated to a node (NominatedPodsForNode). */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    return this.nominated.get(nodeName) ?? NONE;
  }
}

const NONE: PodInfo[] = [];
