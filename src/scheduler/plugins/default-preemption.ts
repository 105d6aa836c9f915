/**
 * DefaultPreemption (plugins/defaultpreemption + framework/preemption): when no node fits, find a
 * node where evicting lower-priority pods makes room. On each candidate node all lower-priority pods
 * are removed, then reprieved one by one from the most important down while the pod still fits; the
 * rest are the victims (so the least important go first). Among candidate nodes the one with the
 * lowest highest-victim priority, then the lowest priority sum, then the fewest victims, then the
 * latest-started victims wins. PodDisruptionBudgets are not consulted yet.
 */
import type { CycleState } from '../cycle-state.ts';
import type { FrameworkRunner, Handle, NodeToStatus, PluginFactory, PostFilterPlugin, PostFilterResult } from '../framework.ts';
import type { NodeInfo } from '../node-info.ts';
import type { PodInfo } from '../pod-info.ts';
import type { Snapshot } from '../snapshot.ts';
import { Code, Status, isSuccess, newStatus } from '../status.ts';
import type { Result } from '../status.ts';
import type { Pod } from '../types.ts';

/** Plugin name. */
export const DEFAULT_PREEMPTION = 'DefaultPreemption';
/** Reason for a node where no pod has lower priority. */
export const ERR_NO_VICTIMS = 'No preemption victims found for incoming pod';
/** Reason for nodes preemption cannot help (UnschedulableAndUnresolvable, or not examined). */
export const ERR_NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/** Arguments (DefaultPreemptionArgs) with Kubernetes' defaults 10% / 100. */
export interface DefaultPreemptionArgs {
  minCandidateNodesPercentage?: number;
  minCandidateNodesAbsolute?: number;
}

interface Candidate {
  node: string;
  victims: PodInfo[];
}

function startTime(p: PodInfo): number {
  const t = p.pod.status?.startTime;
  return t ? Date.parse(t) : Date.now();
}

/** MoreImportantPod: higher priority first, then the one that started earlier. */
export function moreImportant(a: PodInfo, b: PodInfo): boolean {
  if (a.priority !== b.priority) return a.priority > b.priority;
  return startTime(a) < startTime(b);
}

/** Renders a FitError-style message for the preemption attempt ("0/N nodes are available: ..."). */
function preemptionMessage(numAllNodes: number, statuses: Map<string, Status>): string {
  const counts = new Map<string, number>();
  for (const s of statuses.values()) for (const r of s.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const absent = numAllNodes - statuses.size;
  if (absent > 0) counts.set(ERR_NOT_HELPFUL, (counts.get(ERR_NOT_HELPFUL) ?? 0) + absent);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${numAllNodes} nodes are available: ${parts.join(', ')}.`;
}

/** The DefaultPreemption PostFilter. */
export class DefaultPreemption implements PostFilterPlugin {
  readonly name = DEFAULT_PREEMPTION;
  private readonly snapshot: Snapshot;
  private readonly percentage: number;
  private readonly absolute: number;
  /** Random offset source for the candidate scan (replaceable in tests). */
  random: (n: number) => number = (n) => Math.floor(Math.random() * n);

  constructor(private readonly handle: Handle, args: DefaultPreemptionArgs = {}) {
    this.snapshot = handle.snapshot;
    this.percentage = args.minCandidateNodesPercentage ?? 10;
    this.absolute = args.minCandidateNodesAbsolute ?? 100;
  }

  private get fw(): FrameworkRunner {
    if (!this.handle.framework) throw new Error('DefaultPreemption needs the framework handle');
    return this.handle.framework;
  }

  postFilter(state: CycleState, pod: PodInfo, filtered: NodeToStatus): { result: PostFilterResult | null; status: Result } {
    const { result, status } = this.preempt(state, pod, filtered);
    const msg = status?.message();
    // The framework prefixes the evaluator's message with "preemption: ".
    if (status && msg) return { result, status: new Status(status.code, [`preemption: ${msg}`], DEFAULT_PREEMPTION) };
    return { result, status };
  }

  private preempt(state: CycleState, pod: PodInfo, filtered: NodeToStatus): { result: PostFilterResult | null; status: Result } {
    const ineligible = this.ineligibleReason(pod, filtered);
    if (ineligible) return { result: null, status: newStatus(Code.Unschedulable, ineligible) };
    const all = this.snapshot.nodeInfoList();
    if (all.length === 0) return { result: null, status: newStatus(Code.Error, 'no nodes available') };
    const potential = all.filter((n) => (filtered.statuses.get(n.name) ?? filtered.absent)?.code === Code.Unschedulable);
    const statuses = new Map<string, Status>();
    const candidates = potential.length ? this.dryRun(state, pod, potential, statuses) : [];
    if (candidates.length === 0) {
      return { result: { nominatedNodeName: '', victims: [] }, status: newStatus(Code.Unschedulable, preemptionMessage(all.length, statuses)) };
    }
    const best = pickOneNode(candidates);
    return { result: { nominatedNodeName: best.node, victims: best.victims.map((v) => v.pod as Pod) }, status: null };
  }

  /** PodEligibleToPreemptOthers; undefined when eligible. */
  private ineligibleReason(pod: PodInfo, filtered: NodeToStatus): string | undefined {
    if (pod.pod.spec?.preemptionPolicy === 'Never') return 'not eligible due to preemptionPolicy=Never.';
    const nominated = pod.pod.status?.nominatedNodeName;
    if (!nominated) return undefined;
    const nominatedStatus = filtered.statuses.get(nominated) ?? filtered.absent;
    if (nominatedStatus?.code === Code.UnschedulableAndUnresolvable) return undefined;
    const node = this.snapshot.get(nominated);
    if (node?.pods.some((p) => p.priority < pod.priority && p.pod.metadata?.deletionTimestamp)) {
      return 'not eligible due to a terminating pod on the nominated node.';
    }
    return undefined;
  }

  /** Simulates preemption on potential nodes from a random offset until enough candidates are found. */
  private dryRun(state: CycleState, pod: PodInfo, potential: NodeInfo[], statuses: Map<string, Status>): Candidate[] {
    const want = Math.min(potential.length, Math.max(Math.floor((potential.length * this.percentage) / 100), this.absolute));
    const offset = this.random(potential.length);
    const out: Candidate[] = [];
    for (let i = 0; i < potential.length && out.length < want; i++) {
      const node = potential[(offset + i) % potential.length];
      const { victims, status } = this.selectVictimsOnNode(state.clone(), pod, node.clone());
      if (isSuccess(status) && victims.length > 0) out.push({ node: node.name, victims });
      else statuses.set(node.name, status ?? newStatus(Code.Error, `expected at least one victim pod on node "${node.name}"`));
    }
    return out;
  }

  /** SelectVictimsOnNode: removes all lower-priority pods, then reprieves the most important ones that can stay. */
  selectVictimsOnNode(state: CycleState, pod: PodInfo, node: NodeInfo): { victims: PodInfo[]; status: Result } {
    const fw = this.fw;
    const potential = node.pods.filter((p) => p.priority < pod.priority);
    if (potential.length === 0) return { victims: [], status: newStatus(Code.UnschedulableAndUnresolvable, ERR_NO_VICTIMS, DEFAULT_PREEMPTION) };
    for (const p of potential) {
      node.removePod(p.uid);
      const s = fw.runPreFilterExtensionRemovePod(state, pod, p, node);
      if (!isSuccess(s)) return { victims: [], status: s };
    }
    const fits = fw.runFilterPluginsWithNominatedPods(state, pod, node);
    if (!isSuccess(fits)) return { victims: [], status: fits };
    potential.sort((a, b) => (moreImportant(a, b) ? -1 : moreImportant(b, a) ? 1 : 0));
    const victims: PodInfo[] = [];
    for (const p of potential) {
      node.addPod(p);
      fw.runPreFilterExtensionAddPod(state, pod, p, node);
      if (!isSuccess(fw.runFilterPluginsWithNominatedPods(state, pod, node))) {
        node.removePod(p.uid);
        fw.runPreFilterExtensionRemovePod(state, pod, p, node);
        victims.push(p);
      }
    }
    return { victims, status: null };
  }
}

/** Earliest start time among the highest-priority victims (util.GetEarliestPodStartTime). */
function earliestStartOfTop(victims: PodInfo[]): number {
  const top = Math.max(...victims.map((v) => v.priority));
  return Math.min(...victims.filter((v) => v.priority === top).map(startTime));
}

/** pickOneNodeForPreemption without PDB counts: the tie-breakers applied in Kubernetes' order. */
export function pickOneNode(candidates: Candidate[]): Candidate {
  const criteria: ((c: Candidate) => number)[] = [
    // Lowest highest-priority victim (victims are sorted most important first).
    (c) => -Math.max(...c.victims.map((v) => v.priority)),
    // Smallest sum of priorities, offset so negative priorities still add up (MaxInt32 + 1).
    (c) => -c.victims.reduce((s, v) => s + v.priority + 2147483648, 0),
    (c) => -c.victims.length,
    // Latest start among the highest-priority victims.
    (c) => earliestStartOfTop(c.victims),
  ];
  let pool = candidates;
  for (const score of criteria) {
    if (pool.length === 1) break;
    const scores = pool.map(score);
    const best = Math.max(...scores);
    pool = pool.filter((_, i) => scores[i] === best);
  }
  return pool[0];
}

/** Factory for the registry. */
export const newDefaultPreemption: PluginFactory = (args, handle) => new DefaultPreemption(handle, args as DefaultPreemptionArgs | undefined);
