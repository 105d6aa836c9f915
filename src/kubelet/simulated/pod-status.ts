import { createHash } from 'node:crypto';
import { nowTimestamp, type KubeObject } from '../../api/object.ts';

/** Seconds (decimal, e.g. "2.5") a simulated container runs before it exits, for restartPolicy Never/OnFailure pods. */
export const EXIT_AFTER_ANNOTATION = 'skiff.dev/simulate-exit-after';
/** The simulated containers' exit code (default 0). */
export const EXIT_CODE_ANNOTATION = 'skiff.dev/simulate-exit-code';

interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
}

interface ContainerStatus {
  name: string;
  state?: { running?: { startedAt?: string }; terminated?: Record<string, unknown>; waiting?: Record<string, unknown> };
  lastState?: Record<string, unknown>;
  ready?: boolean;
  restartCount?: number;
  image?: string;
  imageID?: string;
  containerID?: string;
  started?: boolean;
}

interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
}

/** The parts of a Pod a simulated kubelet reads and writes. */
export interface SimPod extends KubeObject {
  spec?: { nodeName?: string; restartPolicy?: string; hostNetwork?: boolean; containers?: Container[]; initContainers?: Container[]; terminationGracePeriodSeconds?: number };
  status?: {
    phase?: string;
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    startTime?: string;
    podIP?: string;
    hostIP?: string;
    qosClass?: string;
    [field: string]: unknown;
  };
}

/** Where the pod runs: the node's address and the pod's own. */
export interface PodPlacement {
  hostIP: string;
  podIP: string;
}

/**
 * A container image reference as the kubelet reports it (docker's normalized form:
 * `nginx` -> `docker.io/library/nginx:latest`) and a stable fake imageID digest for it.
 */
export function normalizeImage(image: string | undefined): { image: string; imageID: string } {
  let ref = image ?? '';
  const firstSlash = ref.indexOf('/');
  const domain = firstSlash < 0 ? '' : ref.slice(0, firstSlash);
  const hasDomain = domain.includes('.') || domain.includes(':') || domain === 'localhost';
  if (!hasDomain) ref = `docker.io/${firstSlash < 0 ? 'library/' : ''}${ref}`;
  const lastSegment = ref.slice(ref.lastIndexOf('/') + 1);
  if (!ref.includes('@') && !lastSegment.includes(':')) ref = `${ref}:latest`;
  const repository = ref.split('@')[0].replace(/:[^/]*$/, '');
  const digest = ref.includes('@') ? ref.slice(ref.indexOf('@') + 1) : `sha256:${createHash('sha256').update(ref).digest('hex')}`;
  return { image: ref, imageID: `${repository}@${digest}` };
}

/** A fake container ID, stable for a pod, container and restart. */
export function containerID(uid: string | undefined, name: string, restartCount: number): string {
  return `skiff-sim://${createHash('sha256').update(`${uid ?? ''}/${name}/${restartCount}`).digest('hex')}`;
}

/** The delay before a run-to-completion pod's containers exit, in ms; undefined for restartPolicy Always. */
export function exitAfterMs(pod: SimPod, defaultMs: number): number | undefined {
  if ((pod.spec?.restartPolicy ?? 'Always') === 'Always') return undefined;
  const text = pod.metadata.annotations?.[EXIT_AFTER_ANNOTATION];
  const seconds = text === undefined ? NaN : Number(text);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : defaultMs;
}

/** The exit code the pod's containers exit with (annotation, default 0). */
export function exitCodeOf(pod: SimPod): number {
  const code = Number(pod.metadata.annotations?.[EXIT_CODE_ANNOTATION] ?? 0);
  return Number.isInteger(code) ? code : 1;
}

/** Whether the simulated kubelet has already started the pod (phase Running with running containers). */
export function isRunning(pod: SimPod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.containerStatuses ?? []).some((c) => c.state?.running);
}

/** Whether the pod's Ready condition is True. */
export function isReady(pod: SimPod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * A running pod's status with the kubelet's conditions True again: what the kubelet's status
 * manager writes back when the API's copy differs from its own, e.g. after the node lifecycle
 * controller turned Ready False while the node's Lease was late.
 */
export function readyAgainStatus(pod: SimPod, now: number): NonNullable<SimPod['status']> {
  const stamp = nowTimestamp(new Date(now));
  return { ...pod.status, conditions: conditions(pod, KUBELET_CONDITIONS.map((type) => ({ type, status: 'True' })), stamp) };
}

/** Whether the pod finished (Succeeded or Failed): nothing is left to simulate. */
export function isTerminal(pod: SimPod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** When the pod's current container run started (its first container's running.startedAt), in ms. */
export function runningSince(pod: SimPod): number | undefined {
  const started = pod.status?.containerStatuses?.find((c) => c.state?.running)?.state?.running?.startedAt;
  const ms = started ? Date.parse(started) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** The conditions the kubelet owns, in its order. */
const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'];

/**
 * Conditions in the kubelet's order, keeping the lastTransitionTime of a condition whose status
 * did not change, and PodScheduled as the scheduler wrote it (the kubelet adds it when missing).
 */
function conditions(pod: SimPod, wanted: Omit<PodCondition, 'lastTransitionTime'>[], stamp: string): PodCondition[] {
  const old = pod.status?.conditions ?? [];
  const out: PodCondition[] = wanted.map((c) => {
    const before = old.find((o) => o.type === c.type);
    return { ...c, lastTransitionTime: before?.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : stamp };
  });
  const scheduled = old.find((o) => o.type === 'PodScheduled');
  out.push(scheduled ? { ...scheduled } : { type: 'PodScheduled', status: 'True', lastTransitionTime: stamp });
  return out;
}

/** Container statuses sorted by name, as the kubelet reports them. */
function byName(statuses: ContainerStatus[]): ContainerStatus[] {
  return statuses.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function runningContainer(pod: SimPod, c: Container, startedAt: string, restartCount = 0, lastState: Record<string, unknown> = {}): ContainerStatus {
  return { name: c.name, state: { running: { startedAt } }, lastState, ready: true, restartCount, ...normalizeImage(c.image), containerID: containerID(pod.metadata.uid, c.name, restartCount), started: true };
}

/**
 * The status of a pod whose containers all started: phase Running, every condition True, init
 * containers Completed (sidecars, restartPolicy Always, running), containers running and ready,
 * pod and host IPs, startTime (kept if set) and the API server's qosClass untouched.
 */
export function runningStatus(pod: SimPod, where: PodPlacement, now: number): NonNullable<SimPod['status']> {
  const stamp = nowTimestamp(new Date(now));
  const init = (pod.spec?.initContainers ?? []).map((c) =>
    c.restartPolicy === 'Always'
      ? runningContainer(pod, c, stamp)
      : { name: c.name, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: stamp, finishedAt: stamp, containerID: containerID(pod.metadata.uid, c.name, 0) } }, lastState: {}, ready: true, restartCount: 0, ...normalizeImage(c.image), containerID: containerID(pod.metadata.uid, c.name, 0), started: false },
  );
  const status: NonNullable<SimPod['status']> = {
    ...pod.status,
    phase: 'Running',
    conditions: conditions(pod, KUBELET_CONDITIONS.map((type) => ({ type, status: 'True' })), stamp),
    hostIP: where.hostIP,
    hostIPs: [{ ip: where.hostIP }],
    podIP: where.podIP,
    podIPs: [{ ip: where.podIP }],
    startTime: pod.status?.startTime ?? stamp,
    containerStatuses: byName((pod.spec?.containers ?? []).map((c) => runningContainer(pod, c, stamp))),
  };
  if (init.length > 0) status.initContainerStatuses = init;
  return status;
}

/**
 * The status after the containers exit with `code`. With restartPolicy OnFailure and a non-zero
 * code they restart at once (restartCount + 1, lastState holds the failed run; the kubelet's
 * CrashLoopBackOff delay is not simulated). Otherwise the pod ends: Succeeded with containers
 * terminated `Completed` for 0, Failed with `Error` for anything else.
 */
export function exitedStatus(pod: SimPod, code: number, now: number): NonNullable<SimPod['status']> {
  const stamp = nowTimestamp(new Date(now));
  const previous = new Map((pod.status?.containerStatuses ?? []).map((s) => [s.name, s]));
  const reason = code === 0 ? 'Completed' : 'Error';
  const ended = (c: Container) => {
    const before = previous.get(c.name);
    const restartCount = before?.restartCount ?? 0;
    return { exitCode: code, reason, startedAt: before?.state?.running?.startedAt ?? stamp, finishedAt: stamp, containerID: before?.containerID ?? containerID(pod.metadata.uid, c.name, restartCount) };
  };
  const containers = pod.spec?.containers ?? [];
  if (code !== 0 && pod.spec?.restartPolicy === 'OnFailure') {
    const restarted = containers.map((c) => runningContainer(pod, c, stamp, (previous.get(c.name)?.restartCount ?? 0) + 1, { terminated: ended(c) }));
    return { ...pod.status, containerStatuses: byName(restarted) };
  }
  const succeeded = code === 0;
  const names = containers.map((c) => c.name).sort();
  const notReady = succeeded ? { reason: 'PodCompleted' } : { reason: 'ContainersNotReady', message: `containers with unready status: [${names.join(' ')}]` };
  const wanted = [
    { type: 'PodReadyToStartContainers', status: 'False' },
    { type: 'Initialized', status: 'True', ...(succeeded ? { reason: 'PodCompleted' } : {}) },
    { type: 'Ready', status: 'False', ...notReady },
    { type: 'ContainersReady', status: 'False', ...notReady },
  ];
  const terminated = containers.map((c) => {
    const before = previous.get(c.name);
    return { name: c.name, state: { terminated: ended(c) }, lastState: before?.lastState ?? {}, ready: false, restartCount: before?.restartCount ?? 0, ...normalizeImage(c.image), containerID: ended(c).containerID, started: false };
  });
  return { ...pod.status, phase: succeeded ? 'Succeeded' : 'Failed', conditions: conditions(pod, wanted, stamp), containerStatuses: byName(terminated) };
}
