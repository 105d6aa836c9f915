import { nowTimestamp, type KubeObject } from '../api/object.ts';
import type { Taint } from './node-taints.ts';

/** core/v1 NodeCondition as JSON. */
export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** The parts of a Node the lifecycle controller reads. */
export interface NodeObject extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: Taint[]; podCIDR?: string; podCIDRs?: string[] };
  status?: { conditions?: NodeCondition[]; [field: string]: unknown };
}

/** The parts of a coordination.k8s.io/v1 Lease the lifecycle controller reads. */
export interface LeaseObject extends KubeObject {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number; renewTime?: string };
}

/** Grace periods of node health, in ms. */
export interface NodeHealthOptions {
  /** How long a node may go without a heartbeat (lease renewal or Ready heartbeat) before it is Unknown. */
  gracePeriodMs?: number;
  /** The same for a node that never posted a Ready condition, counted from its creation. */
  startupGracePeriodMs?: number;
}

/** Kubernetes' --node-monitor-grace-period used by skiff (the brief's 40 s; leases last 40 s). */
export const NODE_MONITOR_GRACE_PERIOD_MS = 40_000;
/** Kubernetes' --node-startup-grace-period default. */
export const NODE_STARTUP_GRACE_PERIOD_MS = 60_000;
/** The conditions the node controller turns Unknown when the kubelet goes silent. */
const MONITORED_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

interface HealthRecord {
  probeTimestamp: number;
  heartbeat?: string;
  renewTime?: string;
}

/** What one observation of a node concluded. */
export interface HealthVerdict {
  /** The node's new status.conditions when they must be written (the node went silent), else undefined. */
  conditions?: NodeCondition[];
  /** Ms until the grace period runs out and the node must be looked at again; undefined when already silent. */
  recheckAfterMs?: number;
}

/** The Ready condition of a node, if any. */
export function readyCondition(node: NodeObject): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/**
 * Tracks when each node last showed a sign of life, as the node lifecycle controller's
 * `tryUpdateNodeHealth` does: the probe timestamp moves to "now" (the controller's clock, not the
 * kubelet's, so clock skew does not matter) whenever the Ready condition's lastHeartbeatTime or
 * the node's Lease renewTime advances. A node first seen gets a full grace period (from its
 * creation when it never reported Ready). Past the grace period, Ready, MemoryPressure,
 * DiskPressure and PIDPressure become Unknown with reason NodeStatusUnknown ("Kubelet stopped
 * posting node status."), or NodeStatusNeverUpdated when the kubelet never set them.
 */
export class NodeHealthTracker {
  private readonly records = new Map<string, HealthRecord>();
  private readonly gracePeriodMs: number;
  private readonly startupGracePeriodMs: number;

  constructor(opts: NodeHealthOptions = {}) {
    this.gracePeriodMs = opts.gracePeriodMs ?? NODE_MONITOR_GRACE_PERIOD_MS;
    this.startupGracePeriodMs = opts.startupGracePeriodMs ?? NODE_STARTUP_GRACE_PERIOD_MS;
  }

  /** Records what the node and its lease show now and decides whether the node went silent. */
  observe(node: NodeObject, lease: LeaseObject | undefined, now: number): HealthVerdict {
    const name = node.metadata.name!;
    const ready = readyCondition(node);
    const renewTime = lease?.spec?.renewTime;
    const record = this.records.get(name) ?? this.firstRecord(node, ready, now);
    this.records.set(name, record);
    if (ready?.lastHeartbeatTime !== record.heartbeat) {
      record.heartbeat = ready?.lastHeartbeatTime;
      record.probeTimestamp = now;
    }
    if (renewTime && (!record.renewTime || later(renewTime, record.renewTime))) {
      record.renewTime = renewTime;
      record.probeTimestamp = now;
    }
    const grace = ready ? this.gracePeriodMs : this.startupGracePeriodMs;
    const deadline = record.probeTimestamp + grace;
    if (now <= deadline) return { recheckAfterMs: deadline - now + 1 };
    const conditions = silentConditions(node, now);
    return conditions ? { conditions } : {};
  }

  /** Drops the record of a deleted node. */
  forget(name: string): void {
    this.records.delete(name);
  }

  private firstRecord(node: NodeObject, ready: NodeCondition | undefined, now: number): HealthRecord {
    // A node that never reported Ready is judged from its creation (nodeStartupGracePeriod).
    const created = node.metadata.creationTimestamp ? Date.parse(node.metadata.creationTimestamp) : now;
    return { probeTimestamp: ready ? now : Math.min(now, created), heartbeat: ready?.lastHeartbeatTime };
  }
}

/** The conditions with the monitored ones turned Unknown, or undefined when they already are. */
function silentConditions(node: NodeObject, now: number): NodeCondition[] | undefined {
  const stamp = nowTimestamp(new Date(now));
  const conditions = (node.status?.conditions ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of MONITORED_CONDITIONS) {
    const current = conditions.find((c) => c.type === type);
    if (!current) {
      const created = node.metadata.creationTimestamp ?? stamp;
      conditions.push({ type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: created, lastTransitionTime: stamp });
      changed = true;
    } else if (current.status !== 'Unknown') {
      Object.assign(current, { status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp });
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

/** Whether MicroTime/Time `a` is after `b` (both RFC 3339). */
function later(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) return a > b;
  // Date.parse keeps ms only; equal ms with different microseconds still counts as a renewal.
  return ta > tb || (ta === tb && a > b);
}
