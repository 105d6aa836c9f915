/**
 * The scheduling algorithm for one pod (schedule_one.go): PreFilter, Filter over a rotating sample
 * of nodes (percentageOfNodesToScore), PreScore/Score/NormalizeScore with weights, pick the best
 * node (random tie break), assume and Reserve; on failure a FitError and PostFilter (preemption).
 * The binding cycle (PreBind, Bind) is a separate async step.
 */
import type { CycleState } from './cycle-state.ts';
import { FitError, NO_NODES_AVAILABLE } from './fit-error.ts';
import type { Diagnosis } from './fit-error.ts';
import type { NodeToStatus } from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import { newPodInfo } from './pod-info.ts';
import type { PodInfo } from './pod-info.ts';
import type { Framework } from './runtime.ts';
import type { Snapshot } from './snapshot.ts';
import { Code, isSuccess, newStatus } from './status.ts';
import type { Status } from './status.ts';
import type { Pod } from './types.ts';

/** Below this many nodes every node is checked (minFeasibleNodesToFind). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** Floor of the adaptive percentage (minFeasibleNodesPercentageToFind). */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * How many feasible nodes to look for before scoring (numFeasibleNodesToFind): all nodes below 100;
 * otherwise `percentage` of them (0 = adaptive 50 - nodes/125, at least 5%), but at least 100.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let p = percentage;
  if (p <= 0) p = Math.max(50 - Math.trunc(numAllNodes / 125), MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
  if (p >= 100) return numAllNodes;
  const n = Math.trunc((numAllNodes * p) / 100);
  return Math.max(n, MIN_FEASIBLE_NODES_TO_FIND);
}

/** A successful scheduling cycle: the pod is assumed on `nodeName` and reserved. */
export interface Scheduled {
  kind: 'scheduled';
  pod: PodInfo;
  state: CycleState;
  nodeName: string;
  evaluatedNodes: number;
  feasibleNodes: number;
}

/** A failed cycle: the pod goes back to the queue (unschedulable, or backoff on error). */
export interface Unschedulable {
  kind: 'unschedulable';
  pod: PodInfo;
  /** FitError for "fits nowhere", another Error for internal failures. */
  error: FitError | Error;
  /** Set by preemption: the node the pod is nominated to ('' clears a nomination). */
  nominatedNodeName?: string;
  /** Pods preemption decided to evict. */
  victims: Pod[];
  unschedulablePlugins: Set<string>;
}

/** The outcome of scheduleOne. */
export type CycleOutcome = Scheduled | Unschedulable;

/** Options of the algorithm. */
export interface ScheduleOptions {
  /** Overrides the profile's percentageOfNodesToScore (0 = adaptive). */
  percentageOfNodesToScore?: number;
  /** Random source in [0, 1) for the tie break (injectable for tests). */
  random?: () => number;
}

/** The scheduling algorithm bound to one framework (profile) and the shared snapshot. */
export class ScheduleAlgorithm {
  /** Where the next filter scan starts, so successive pods spread over all nodes (nextStartNodeIndex). */
  nextStartNodeIndex = 0;
  private readonly percentage: number;
  private readonly random: () => number;
  private feasible: NodeInfo[] = [];
  private totals = new Float64Array(256);

  constructor(readonly framework: Framework, readonly snapshot: Snapshot, options: ScheduleOptions = {}) {
    this.percentage = options.percentageOfNodesToScore ?? framework.profile.percentageOfNodesToScore ?? 0;
    this.random = options.random ?? Math.random;
  }

  /** Runs the scheduling cycle for one pod; on success the pod is assumed in the snapshot and reserved. */
  scheduleOne(pod: Pod | PodInfo): CycleOutcome {
    const info = 'uid' in pod && 'requests' in pod ? (pod as PodInfo) : newPodInfo(pod as Pod);
    const state = this.framework.newCycleState();
    let result: { nodeName: string; evaluated: number; feasible: number };
    try {
      result = this.schedulePod(state, info);
    } catch (err) {
      if (!(err instanceof FitError)) return { kind: 'unschedulable', pod: info, error: err as Error, victims: [], unschedulablePlugins: new Set() };
      return this.handleFitError(state, info, err);
    }
    this.snapshot.assumePod(info.pod, result.nodeName, info);
    const reserved = this.framework.runReservePluginsReserve(state, info, result.nodeName);
    if (!isSuccess(reserved)) {
      this.framework.runReservePluginsUnreserve(state, info, result.nodeName);
      this.snapshot.forgetPod(info.pod);
      return { kind: 'unschedulable', pod: info, error: new Error(reserved!.message()), victims: [], unschedulablePlugins: new Set([reserved!.plugin]) };
    }
    return { kind: 'scheduled', pod: info, state, nodeName: result.nodeName, evaluatedNodes: result.evaluated, feasibleNodes: result.feasible };
  }

  /**
   * The binding cycle for a scheduled pod: PreBind then Bind. On failure the reservation is undone
   * and the assumed pod forgotten; on success the binding is marked finished (the bound pod event
   * later confirms it). Returns null or the failure status.
   */
  async bind(s: Scheduled): Promise<Status | null> {
    let status = await this.framework.runPreBindPlugins(s.state, s.pod, s.nodeName);
    if (isSuccess(status)) status = await this.framework.runBindPlugins(s.state, s.pod, s.nodeName);
    if (!isSuccess(status)) {
      this.framework.runReservePluginsUnreserve(s.state, s.pod, s.nodeName);
      this.snapshot.forgetPod(s.pod.pod);
      return status;
    }
    this.snapshot.finishBinding(s.pod.pod);
    return null;
  }

  private handleFitError(state: CycleState, pod: PodInfo, err: FitError): Unschedulable {
    const out: Unschedulable = { kind: 'unschedulable', pod, error: err, victims: [], unschedulablePlugins: err.diagnosis.unschedulablePlugins };
    if (this.framework.postFilter.length === 0 || err.numAllNodes === 0) return out;
    const { result, status } = this.framework.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
    if (status && status.code !== Code.Success) {
      // Only the message of an Unschedulable PostFilter is added to the FitError text.
      if (status.isRejected()) err.diagnosis.postFilterMsg = status.message();
    }
    if (result) {
      out.nominatedNodeName = result.nominatedNodeName;
      out.victims = result.victims;
    }
    return out;
  }

  /** schedulePod: returns the chosen node or throws FitError / Error. */
  private schedulePod(state: CycleState, pod: PodInfo): { nodeName: string; evaluated: number; feasible: number } {
    const all = this.snapshot.nodeInfoList();
    if (all.length === 0) throw new Error(NO_NODES_AVAILABLE);
    const { feasible, diagnosis } = this.findNodesThatFitPod(state, pod, all);
    if (feasible.length === 0) throw new FitError(all.length, diagnosis);
    const evaluated = feasible.length + diagnosis.nodeToStatus.statuses.size;
    if (feasible.length === 1) return { nodeName: feasible[0].name, evaluated, feasible: 1 };
    const pre = this.framework.runPreScorePlugins(state, pod, feasible);
    if (!isSuccess(pre)) throw new Error(pre!.message());
    if (this.totals.length < feasible.length) this.totals = new Float64Array(feasible.length * 2);
    const totals = this.totals;
    totals.fill(0, 0, feasible.length);
    this.framework.runScorePlugins(state, pod, feasible, totals);
    return { nodeName: feasible[this.selectHost(totals, feasible.length)].name, evaluated, feasible: feasible.length };
  }

  /** Index of the highest total; ties broken uniformly at random (reservoir sampling, as selectHost). */
  private selectHost(totals: Float64Array, n: number): number {
    let best = 0;
    let ties = 1;
    for (let i = 1; i < n; i++) {
      if (totals[i] > totals[best]) {
        best = i;
        ties = 1;
      } else if (totals[i] === totals[best]) {
        ties++;
        if (this.random() * ties < 1) best = i;
      }
    }
    return best;
  }

  private findNodesThatFitPod(state: CycleState, pod: PodInfo, all: readonly NodeInfo[]): { feasible: NodeInfo[]; diagnosis: Diagnosis } {
    const nodeToStatus: NodeToStatus = { statuses: new Map(), absent: null };
    const diagnosis: Diagnosis = { nodeToStatus, preFilterMsg: '', postFilterMsg: '', unschedulablePlugins: new Set() };
    const pre = this.framework.runPreFilterPlugins(state, pod);
    if (pre.status && pre.status.code !== Code.Success) {
      if (!pre.status.isRejected()) throw new Error(pre.status.message());
      // Every node gets the PreFilter's status; the message is reported once.
      nodeToStatus.absent = pre.status;
      diagnosis.preFilterMsg = pre.status.message();
      if (pre.status.plugin) diagnosis.unschedulablePlugins.add(pre.status.plugin);
      return { feasible: [], diagnosis };
    }
    let nodes = all;
    if (pre.nodeNames) {
      nodes = [...pre.nodeNames].map((n) => this.snapshot.get(n)).filter((n): n is NodeInfo => n !== undefined);
      // Nodes left out by the restriction count with this reason in the FitError.
      nodeToStatus.absent = newStatus(Code.UnschedulableAndUnresolvable, `node(s) didn't satisfy plugin(s) [${[...(pre.restrictedBy ?? [])].sort().join(' ')}]`);
    }
    // A pod nominated by an earlier preemption tries its nominated node first (evaluateNominatedNode).
    const nominated = pod.pod.status?.nominatedNodeName;
    if (nominated) {
      const node = this.snapshot.get(nominated);
      if (node && isSuccess(this.framework.runFilterPluginsWithNominatedPods(state, pod, node))) return { feasible: [node], diagnosis };
    }
    return { feasible: this.findNodesThatPassFilters(state, pod, nodes, diagnosis), diagnosis };
  }

  /** Filters nodes from nextStartNodeIndex round-robin until enough feasible ones are found. */
  private findNodesThatPassFilters(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], diagnosis: Diagnosis): NodeInfo[] {
    const numAll = nodes.length;
    const want = numFeasibleNodesToFind(this.percentage, numAll);
    const feasible = this.feasible;
    feasible.length = 0;
    if (numAll === 0) return feasible;
    const start = this.nextStartNodeIndex % numAll;
    const fw = this.framework;
    const statuses = diagnosis.nodeToStatus.statuses;
    let processed = 0;
    for (let i = 0; i < numAll && feasible.length < want; i++) {
      const node = nodes[(start + i) % numAll];
      processed++;
      const s = fw.runFilterPluginsWithNominatedPods(state, pod, node);
      if (s === null || s.code === Code.Success) feasible.push(node);
      else if (s.code === Code.Error) throw new Error(s.message());
      else {
        statuses.set(node.name, s);
        if (s.plugin) diagnosis.unschedulablePlugins.add(s.plugin);
      }
    }
    this.nextStartNodeIndex = (start + processed) % numAll;
    return feasible;
  }
}

