/**
 * What the scheduler writes into a pod's status when scheduling fails (schedule_one.go updatePod):
 * the PodScheduled=False condition with reason Unschedulable or SchedulerError, and
 * status.nominatedNodeName after preemption. The write is a patch of the status subresource and is
 * skipped when nothing would change, as podutil.UpdatePodCondition decides.
 */
import { nowTimestamp } from '../api/object.ts';
import type { Pod } from './types.ts';

/** v1.PodReasonUnschedulable: the pod fits no node. */
export const REASON_UNSCHEDULABLE = 'Unschedulable';
/** v1.PodReasonSchedulerError: an internal error (including a failed binding). */
export const REASON_SCHEDULER_ERROR = 'SchedulerError';
/** Events and condition messages are cut at validation.NoteLengthLimit. */
export const NOTE_LENGTH_LIMIT = 1024;

/** A pod condition as JSON. */
export interface PodCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

/** Cuts a message to NOTE_LENGTH_LIMIT characters, ending in " ..." (truncateMessage). */
export function truncateMessage(message: string): string {
  if (message.length <= NOTE_LENGTH_LIMIT) return message;
  const suffix = ' ...';
  return message.slice(0, NOTE_LENGTH_LIMIT - suffix.length) + suffix;
}

/**
 * Sets a condition in a copy of the conditions (podutil.UpdatePodCondition): lastTransitionTime is
 * kept when the status did not change and is now otherwise. Returns null when the condition is
 * already there with the same status, reason, message and probe time.
 */
export function withCondition(conditions: readonly PodCondition[], condition: PodCondition, now = nowTimestamp()): PodCondition[] | null {
  const i = conditions.findIndex((c) => c.type === condition.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next: PodCondition = { ...condition, lastProbeTime: condition.lastProbeTime ?? null };
  next.lastTransitionTime = old && old.status === next.status && old.lastTransitionTime ? old.lastTransitionTime : now;
  if (old && old.status === next.status && (old.reason ?? '') === (next.reason ?? '') && (old.message ?? '') === (next.message ?? '') && (old.lastProbeTime ?? null) === next.lastProbeTime) {
    return null;
  }
  const out = [...conditions];
  if (i >= 0) out[i] = next;
  else out.push(next);
  return out;
}

/** The status part of a status-subresource patch. */
export interface StatusPatch {
  status: { conditions?: PodCondition[]; nominatedNodeName?: string | null };
}

/**
 * The patch for a failed scheduling attempt, or null when the pod already shows it. `nominated`
 * undefined leaves status.nominatedNodeName alone; '' clears it; a name sets it. The whole
 * conditions list is sent, so the patch means the same as a JSON merge patch and as a strategic
 * merge patch (conditions merge by type).
 */
export function schedulingFailurePatch(pod: Pod, reason: string, message: string, nominated?: string, now = nowTimestamp()): StatusPatch | null {
  const current = (pod.status?.conditions ?? []) as PodCondition[];
  const conditions = withCondition(current, { type: 'PodScheduled', status: 'False', reason, message }, now);
  const nnnChanged = nominated !== undefined && (pod.status?.nominatedNodeName ?? '') !== nominated;
  if (!conditions && !nnnChanged) return null;
  const patch: StatusPatch = { status: {} };
  if (conditions) patch.status.conditions = conditions;
  // A merge patch removes a field given as null.
  if (nnnChanged) patch.status.nominatedNodeName = nominated === '' ? null : nominated;
  return patch;
}
