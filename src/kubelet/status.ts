import { nowTimestamp } from '../api/object.ts';
import type { ContainerSpec, KubeletPod, RuntimeContainerStatus } from './runtime-interface.ts';

/** A kubelet-chosen waiting state for a container (CrashLoopBackOff, ErrImagePull, ...), keyed by name. */
export interface WaitingOverride {
  reason: string;
  message?: string;
}

/** Everything the kubelet knows about one pod when it writes status. */
export interface StatusInput {
  pod: KubeletPod;
  /** The pod sandbox, if one exists; `ready` is false once it is stopped. */
  sandbox?: { ip: string; ready: boolean };
  containers: RuntimeContainerStatus[];
  /** Readiness probe verdict for a running container (true when it has no readiness probe and has started). */
  isReady(containerId: string): boolean;
  /** Startup probe verdict (true when it has no startup probe). */
  isStarted(containerId: string): boolean;
  waiting: ReadonlyMap<string, WaitingOverride>;
  hostIP?: string;
  /** Epoch ms, used for startTime and condition transitions. */
  now: number;
  /** Prefix of containerID, the runtime's name (CRI RuntimeName). */
  runtimeName?: string;
  /** The pod is being torn down: its phase is final (Succeeded if every container exited 0, else Failed). */
  podIsTerminal?: boolean;
}

type Json = Record<string, unknown>;

/**
 * Pod status from runtime state, as kubelet's generateAPIPodStatus writes it: phase, the
 * PodReadyToStartContainers/Initialized/Ready/ContainersReady conditions (PodScheduled and any other
 * condition kept), container statuses, IPs and startTime. lastTransitionTime changes only when a
 * condition's status changes.
 */
export function generatePodStatus(input: StatusInput): Json {
  const { pod } = input;
  const old = (pod.status ?? {}) as Json;
  const initSpecs = pod.spec.initContainers ?? [];
  const initStatuses = initSpecs.map((c) => containerStatus(input, c, initSpecs.length > 0, true));
  const appStatuses = pod.spec.containers.map((c) => containerStatus(input, c, initSpecs.length > 0, false));
  let phase = podPhase(pod.spec.restartPolicy ?? 'Always', initStatuses, appStatuses, input.podIsTerminal);
  // A pod never leaves a terminal phase once one was written.
  if ((old.phase === 'Succeeded' || old.phase === 'Failed') && phase !== 'Succeeded' && phase !== 'Failed') phase = old.phase;
  const conditions = podConditions(input, old, phase, initStatuses, appStatuses);
  const status: Json = { phase, conditions };
  if (input.hostIP) {
    status.hostIP = input.hostIP;
    status.hostIPs = [{ ip: input.hostIP }];
  }
  if (input.sandbox) {
    status.podIP = input.sandbox.ip;
    status.podIPs = [{ ip: input.sandbox.ip }];
  } else if (old.podIP) {
    status.podIP = old.podIP;
    status.podIPs = old.podIPs;
  }
  status.startTime = old.startTime ?? nowTimestamp(new Date(input.now));
  if (initStatuses.length > 0) status.initContainerStatuses = initStatuses;
  status.containerStatuses = appStatuses;
  if (old.qosClass) status.qosClass = old.qosClass;
  return status;
}

/** Runtime containers of one name, newest attempt first. */
export function attemptsOf(containers: RuntimeContainerStatus[], name: string): RuntimeContainerStatus[] {
  return containers.filter((c) => c.name === name).sort((a, b) => b.attempt - a.attempt || (b.createdAt ?? 0) - (a.createdAt ?? 0));
}

function ts(ms: number | undefined): string | null {
  return ms === undefined ? null : nowTimestamp(new Date(ms));
}

function terminatedState(c: RuntimeContainerStatus, runtimeName: string): Json {
  const t: Json = { exitCode: c.exitCode ?? 0 };
  if (c.reason) t.reason = c.reason;
  if (c.message) t.message = c.message;
  t.startedAt = ts(c.startedAt);
  t.finishedAt = ts(c.finishedAt);
  t.containerID = `${runtimeName}://${c.id}`;
  return { terminated: t };
}

function containerStatus(input: StatusInput, spec: ContainerSpec, hasInit: boolean, isInit: boolean): Json {
  const runtimeName = input.runtimeName ?? 'containerd';
  const [latest, previous] = attemptsOf(input.containers, spec.name);
  const override = input.waiting.get(spec.name);
  // kubelet's default waiting reason: PodInitializing when the pod has init containers, else ContainerCreating.
  const defaultWaiting: Json = { waiting: { reason: hasInit ? 'PodInitializing' : 'ContainerCreating' } };
  const waitingOverride = override ? { waiting: { reason: override.reason, ...(override.message ? { message: override.message } : {}) } } : undefined;
  if (!latest) {
    return { name: spec.name, state: waitingOverride ?? defaultWaiting, lastState: {}, ready: false, restartCount: 0, image: spec.image ?? '', imageID: '', started: false };
  }
  let state: Json;
  let lastState: Json = previous && previous.state === 'exited' ? terminatedState(previous, runtimeName) : {};
  if (latest.state === 'running') {
    state = { running: { startedAt: ts(latest.startedAt) } };
  } else if (latest.state === 'exited' && waitingOverride) {
    // A dead container about to be restarted shows as waiting, with the death as lastState.
    state = waitingOverride;
    lastState = terminatedState(latest, runtimeName);
  } else if (latest.state === 'exited') {
    state = terminatedState(latest, runtimeName);
  } else {
    // Created but not running: kubelet reports an empty waiting state.
    state = waitingOverride ?? { waiting: {} };
  }
  const running = latest.state === 'running';
  // An init container is ready once it has exited 0 (kubelet's convertToAPIContainerStatuses).
  const ready = isInit ? latest.state === 'exited' && latest.exitCode === 0 && !waitingOverride : running && input.isStarted(latest.id) && input.isReady(latest.id);
  return {
    name: spec.name,
    state,
    lastState,
    ready,
    restartCount: latest.attempt,
    image: latest.image || spec.image || '',
    imageID: latest.imageId,
    containerID: `${runtimeName}://${latest.id}`,
    started: running && input.isStarted(latest.id),
  };
}

interface StateView {
  state: { waiting?: unknown; running?: unknown; terminated?: { exitCode: number } };
  lastState: { terminated?: unknown };
}

/**
 * kubelet's getPhase: Pending while init containers or app containers have not run; Running while any
 * runs (or all are restarting under Always/OnFailure); Succeeded/Failed once every container has
 * stopped and will not restart. `podIsTerminal` (pod being torn down) forces a terminal phase.
 */
export function podPhase(restartPolicy: string, init: Json[], app: Json[], podIsTerminal = false): string {
  let pendingInit = 0;
  let failedInit = 0;
  for (const s of init as unknown as StateView[]) {
    if (s.state.running) pendingInit++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state.waiting && s.lastState.terminated) {
      if ((s.lastState.terminated as { exitCode: number }).exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const s of app as unknown as StateView[]) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++; // waiting to restart: it has run
    else waiting++;
  }
  if (failedInit > 0 && restartPolicy === 'Never') return 'Failed';
  if (pendingInit > 0 || waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function names(list: string[]): string {
  return `[${list.join(' ')}]`;
}

/** Status, reason and message of ContainersReady/Ready, as kubelet's GenerateContainersReadyCondition. */
function readiness(pod: KubeletPod, phase: string, app: Json[]): { status: string; reason?: string; message?: string } {
  if (phase === 'Succeeded') return { status: 'False', reason: 'PodCompleted' };
  const unknown: string[] = [];
  const unready: string[] = [];
  for (const c of pod.spec.containers) {
    const s = app.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (s.ready !== true) unready.push(c.name);
  }
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: ${names(unknown)}`);
  if (unready.length > 0) parts.push(`containers with unready status: ${names(unready)}`);
  if (parts.length === 0) return { status: 'True' };
  return { status: 'False', reason: 'ContainersNotReady', message: parts.join(', ') };
}

/** Initialized, as kubelet's GeneratePodInitializedCondition: every init container ready (exited 0). */
function initialized(pod: KubeletPod, phase: string, init: Json[]): { status: string; reason?: string; message?: string } {
  const unknown: string[] = [];
  const incomplete: string[] = [];
  for (const c of pod.spec.initContainers ?? []) {
    const s = init.find((x) => x.name === c.name);
    if (!s) unknown.push(c.name);
    else if (s.ready !== true) incomplete.push(c.name);
  }
  if (phase === 'Succeeded' && unknown.length === 0) return { status: 'True', reason: 'PodCompleted' };
  const parts: string[] = [];
  if (unknown.length > 0) parts.push(`containers with unknown status: ${names(unknown)}`);
  if (incomplete.length > 0) parts.push(`containers with incomplete status: ${names(incomplete)}`);
  if (parts.length === 0) return { status: 'True' };
  return { status: 'False', reason: 'ContainersNotInitialized', message: parts.join(', ') };
}

function podConditions(input: StatusInput, old: Json, phase: string, init: Json[], app: Json[]): Json[] {
  const oldConditions = (old.conditions as Json[] | undefined) ?? [];
  const ready = readiness(input.pod, phase, app);
  const computed: [string, { status: string; reason?: string; message?: string }][] = [
    ['PodReadyToStartContainers', { status: input.sandbox?.ready ? 'True' : 'False' }],
    ['Initialized', initialized(input.pod, phase, init)],
    ['Ready', ready],
    ['ContainersReady', ready],
  ];
  const now = nowTimestamp(new Date(input.now));
  const owned = [...computed.map(([type]) => type), 'PodScheduled'];
  // Conditions the kubelet does not own (DisruptionTarget, readiness gates) are kept, first, as kubelet does.
  const result: Json[] = oldConditions.filter((c) => !owned.includes(c.type as string));
  for (const [type, c] of computed) {
    const prev = oldConditions.find((x) => x.type === type);
    const lastTransitionTime = prev && prev.status === c.status ? prev.lastTransitionTime : now;
    result.push({ type, status: c.status, lastProbeTime: null, lastTransitionTime, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) });
  }
  // PodScheduled is the scheduler's: kept as written (True, by the time a kubelet runs the pod).
  result.push(oldConditions.find((c) => c.type === 'PodScheduled') ?? { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  return result;
}
