/**
 * The Pod printer: NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED NODE READINESS GATES, with
 * the STATUS and RESTARTS logic of Kubernetes 1.32's printPod (init progress, waiting and
 * terminated reasons, sidecar init containers, Terminating, restarts with "(5m ago)").
 */
import type { V1ContainerStatus, V1Pod, V1PodCondition } from '@kubernetes/client-node';
import type { KubeObject } from '../../api/object.ts';
import { doc } from './descriptions.ts';
import { creationAge, elapsed, parseTime } from './duration.ts';
import { ageColumn, column, nameColumn, type PrintContext, type PrintedRow, type Printer, type TableRowCondition } from './printer.ts';

const columns = [
  nameColumn(),
  column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
  column('Status', 'string', 'The aggregate status of the containers in this pod.'),
  column('Restarts', 'string', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
  ageColumn(),
  column('IP', 'string', doc('V1PodStatus', 'podIP'), 1),
  column('Node', 'string', doc('V1PodSpec', 'nodeName'), 1),
  column('Nominated Node', 'string', doc('V1PodStatus', 'nominatedNodeName'), 1),
  column('Readiness Gates', 'string', doc('V1PodSpec', 'readinessGates'), 1),
];

// Kubernetes marks finished pods with a Completed row condition.
const SUCCEEDED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
const FAILED: TableRowCondition[] = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

/** The pod status reason the node lifecycle controller sets on pods of unreachable nodes. */
const NODE_UNREACHABLE_REASON = 'NodeLost';

/** Aggregated counters while walking container statuses. */
interface Tally {
  reason: string;
  restarts: number;
  ready: number;
  /** Latest lastState.terminated.finishedAt seen (ms), 0 when none. */
  lastRestart: number;
}

function conditionTrue(conditions: V1PodCondition[] | undefined, type: string): boolean {
  const found = (conditions ?? []).find((c) => c.type === type);
  return found !== undefined && found.status === 'True';
}

function hasReadyCondition(conditions: V1PodCondition[] | undefined): boolean {
  return (conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function lastTerminated(status: V1ContainerStatus): number {
  return parseTime(status.lastState?.terminated?.finishedAt) ?? 0;
}

/** Init:<reason>, Init:Signal:n, Init:ExitCode:n or Init:i/n for the first unfinished init container. */
function initReason(status: V1ContainerStatus, index: number, total: number): string {
  const terminated = status.state?.terminated;
  if (terminated) {
    if (terminated.reason) return `Init:${terminated.reason}`;
    return terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode ?? 0}`;
  }
  const waiting = status.state?.waiting;
  if (waiting?.reason && waiting.reason !== 'PodInitializing') return `Init:${waiting.reason}`;
  return `Init:${index}/${total}`;
}

/**
 * Walks init container statuses. Sidecars (restartPolicy Always) that started count toward READY;
 * the first init container that has not succeeded sets the reason. Returns whether the pod is
 * still initializing, and the restarts of sidecars alone (kept if initialization is over).
 */
function walkInit(pod: V1Pod, tally: Tally): { initializing: boolean; sidecar: Tally } {
  const specs = pod.spec?.initContainers ?? [];
  const sidecars = new Set(specs.filter((c) => c.restartPolicy === 'Always').map((c) => c.name));
  const sidecar: Tally = { reason: '', restarts: 0, ready: 0, lastRestart: 0 };
  const statuses = pod.status?.initContainerStatuses ?? [];
  for (let i = 0; i < statuses.length; i++) {
    const status = statuses[i]!;
    const isSidecar = sidecars.has(status.name);
    tally.restarts += status.restartCount ?? 0;
    tally.lastRestart = Math.max(tally.lastRestart, lastTerminated(status));
    if (isSidecar) {
      sidecar.restarts += status.restartCount ?? 0;
      sidecar.lastRestart = Math.max(sidecar.lastRestart, lastTerminated(status));
    }
    if (status.state?.terminated && status.state.terminated.exitCode === 0) continue;
    if (isSidecar && status.started === true) {
      if (status.ready) tally.ready++;
      continue;
    }
    tally.reason = initReason(status, i, specs.length);
    return { initializing: true, sidecar };
  }
  return { initializing: false, sidecar };
}

/** Walks app container statuses from last to first, as printPod does, so the first container's reason wins. */
function walkContainers(pod: V1Pod, tally: Tally): void {
  const statuses = pod.status?.containerStatuses ?? [];
  let hasRunning = false;
  for (let i = statuses.length - 1; i >= 0; i--) {
    const status = statuses[i]!;
    tally.restarts += status.restartCount ?? 0;
    tally.lastRestart = Math.max(tally.lastRestart, lastTerminated(status));
    const { waiting, terminated, running } = status.state ?? {};
    if (waiting?.reason) tally.reason = waiting.reason;
    else if (terminated?.reason) tally.reason = terminated.reason;
    else if (terminated) tally.reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode ?? 0}`;
    else if (status.ready && running) {
      hasRunning = true;
      tally.ready++;
    }
  }
  // A pod whose last container completed but another still runs reads Running (or NotReady).
  if (tally.reason === 'Completed' && hasRunning) tally.reason = hasReadyCondition(pod.status?.conditions) ? 'Running' : 'NotReady';
}

function baseReason(pod: V1Pod): string {
  let reason = pod.status?.reason || pod.status?.phase || '';
  // Pods held by scheduling gates show SchedulingGated.
  for (const condition of pod.status?.conditions ?? []) {
    if (condition.type === 'PodScheduled' && condition.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  return reason;
}

function finalReason(pod: V1Pod, reason: string): string {
  if (!pod.metadata?.deletionTimestamp) return reason;
  if (pod.status?.reason === NODE_UNREACHABLE_REASON) return 'Unknown';
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' ? reason : 'Terminating';
}

function readinessGates(pod: V1Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions = pod.status?.conditions ?? [];
  const met = gates.filter((gate) => conditions.find((c) => c.type === gate.conditionType)?.status === 'True').length;
  return `${met}/${gates.length}`;
}

function podIP(pod: V1Pod): string {
  // v1 -> internal conversion fills podIPs from podIP when only the latter is set.
  return pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>';
}

function printPod(object: KubeObject, ctx: PrintContext): PrintedRow {
  const pod = object as unknown as V1Pod;
  const specs = pod.spec?.initContainers ?? [];
  const total = (pod.spec?.containers?.length ?? 0) + specs.filter((c) => c.restartPolicy === 'Always').length;
  const tally: Tally = { reason: baseReason(pod), restarts: 0, ready: 0, lastRestart: 0 };
  const { initializing, sidecar } = walkInit(pod, tally);
  if (!initializing || conditionTrue(pod.status?.conditions, 'Initialized')) {
    // Once initialized, only sidecar restarts carry over from the init containers.
    tally.restarts = sidecar.restarts;
    tally.lastRestart = sidecar.lastRestart;
    walkContainers(pod, tally);
  }
  const reason = finalReason(pod, tally.reason);
  const restarts = tally.restarts !== 0 && tally.lastRestart !== 0 ? elapsed(ctx, tally.lastRestart, `${tally.restarts} (`, ' ago)') : String(tally.restarts);
  const cells = [
    object.metadata.name,
    `${tally.ready}/${total}`,
    reason,
    restarts,
    creationAge(ctx, object),
    podIP(pod),
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    readinessGates(pod),
  ];
  const phase = pod.status?.phase;
  const conditions = phase === 'Succeeded' ? SUCCEEDED : phase === 'Failed' ? FAILED : undefined;
  return conditions ? { cells, conditions } : { cells };
}

/** The Pod printer. */
export const podPrinter: Printer = { columns, print: printPod };
