/**
 * A profile instantiated (frameworkImpl): plugins built from the registry and sorted into
 * extension points, with the Run* methods the scheduling cycle calls.
 */
import { CycleState } from './cycle-state.ts';
import type {
  BindPlugin, ClusterEvent, FilterPlugin, FrameworkRunner, Handle, NodeToStatus, Plugin, PostFilterPlugin,
  PostFilterResult, PreBindPlugin, PreEnqueuePlugin, PreFilterPlugin, PreFilterResult, PreScorePlugin, Profile,
  QueueSortPlugin, Registry, ReservePlugin, ScorePlugin,
} from './framework.ts';
import type { NodeInfo } from './node-info.ts';
import type { PodInfo } from './pod-info.ts';
import { Code, Status, asStatus, isSuccess, newStatus } from './status.ts';
import type { Result } from './status.ts';

function has<K extends string>(p: Plugin, method: K): boolean {
  return typeof (p as unknown as Record<string, unknown>)[method] === 'function';
}

/** Result of the PreFilter phase: a rejection, or success with an optional node restriction. */
export interface PreFilterOutcome {
  status: Result;
  nodeNames?: Set<string>;
  /** The PreFilter plugins that restricted the nodes. */
  restrictedBy?: string[];
}

/** A scheduling framework built from a profile. */
export class Framework implements FrameworkRunner {
  readonly profile: Profile;
  readonly plugins = new Map<string, Plugin>();
  readonly preEnqueue: PreEnqueuePlugin[] = [];
  queueSort?: QueueSortPlugin;
  readonly preFilter: PreFilterPlugin[] = [];
  readonly filter: FilterPlugin[] = [];
  readonly postFilter: PostFilterPlugin[] = [];
  readonly preScore: PreScorePlugin[] = [];
  readonly score: ScorePlugin[] = [];
  readonly scoreWeights: number[] = [];
  readonly reserve: ReservePlugin[] = [];
  readonly preBind: PreBindPlugin[] = [];
  readonly bind: BindPlugin[] = [];
  /** Per score plugin scratch buffer, grown as needed and reused across cycles. */
  private scratch: Float64Array[] = [];

  constructor(profile: Profile, registry: Registry, readonly handle: Handle) {
    this.profile = profile;
    handle.framework = this;
    for (const entry of profile.plugins) {
      const factory = registry.get(entry.name);
      if (!factory) throw new Error(`plugin "${entry.name}" does not exist`);
      if (this.plugins.has(entry.name)) throw new Error(`plugin "${entry.name}" already registered`);
      const p = factory(profile.pluginConfig?.[entry.name], handle);
      this.plugins.set(entry.name, p);
      if (has(p, 'preEnqueue')) this.preEnqueue.push(p as PreEnqueuePlugin);
      if (has(p, 'less')) this.queueSort = p as QueueSortPlugin;
      if (has(p, 'preFilter')) this.preFilter.push(p as PreFilterPlugin);
      if (has(p, 'filter')) this.filter.push(p as FilterPlugin);
      if (has(p, 'postFilter')) this.postFilter.push(p as PostFilterPlugin);
      if (has(p, 'preScore')) this.preScore.push(p as PreScorePlugin);
      if (has(p, 'score')) {
        this.score.push(p as ScorePlugin);
        // A score plugin without an explicit weight gets 1 (framework default).
        this.scoreWeights.push(entry.weight ?? 1);
        this.scratch.push(new Float64Array(64));
      }
      if (has(p, 'reserve')) this.reserve.push(p as ReservePlugin);
      if (has(p, 'preBind')) this.preBind.push(p as PreBindPlugin);
      if (has(p, 'bind')) this.bind.push(p as BindPlugin);
    }
  }

  /** The events each rejecting plugin is interested in (for the queue's requeueing). */
  eventsByPlugin(): Map<string, Set<ClusterEvent>> {
    const out = new Map<string, Set<ClusterEvent>>();
    for (const [name, p] of this.plugins) {
      const ext = p as Partial<{ eventsToRegister(): ClusterEvent[] }>;
      if (typeof ext.eventsToRegister === 'function') out.set(name, new Set(ext.eventsToRegister()));
    }
    return out;
  }

  /** PreEnqueue: the first rejection keeps the pod out of the active queue. */
  runPreEnqueuePlugins(pod: PodInfo['pod']): Result {
    for (const p of this.preEnqueue) {
      const s = p.preEnqueue(pod);
      if (!isSuccess(s)) return tag(s!, p.name);
    }
    return null;
  }

  /** PreFilter: stops at the first rejection; intersects node restrictions; records Skips. */
  runPreFilterPlugins(state: CycleState, pod: PodInfo): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const restricting: string[] = [];
    for (const p of this.preFilter) {
      let r: Result | PreFilterResult;
      try {
        r = p.preFilter(state, pod);
      } catch (err) {
        return { status: asStatus(err, p.name) };
      }
      if (r instanceof Status) {
        if (r.code === Code.Skip) {
          state.skipFilterPlugins.add(p.name);
          continue;
        }
        if (r.code !== Code.Success) return { status: tag(r, p.name) };
      } else if (r) {
        restricting.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => r.nodeNames.has(n))) : r.nodeNames;
        if (nodeNames.size === 0) {
          const msg = restricting.length > 1 ? `node(s) didn't satisfy plugin(s) [${restricting.join(' ')}] simultaneously` : `node(s) didn't satisfy plugin ${p.name}`;
          return { status: newStatus(Code.UnschedulableAndUnresolvable, msg, p.name) };
        }
      }
    }
    return { status: null, nodeNames, restrictedBy: restricting };
  }

  /** Runs every PreFilter's AddPod extension (a nominated or reprieved pod joins `node`). */
  runPreFilterExtensionAddPod(state: CycleState, pod: PodInfo, toAdd: PodInfo, node: NodeInfo): Result {
    for (const p of this.preFilter) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.addPod(state, pod, toAdd, node);
      if (!isSuccess(s)) return tag(s!, p.name);
    }
    return null;
  }

  /** Runs every PreFilter's RemovePod extension (a victim leaves `node`). */
  runPreFilterExtensionRemovePod(state: CycleState, pod: PodInfo, toRemove: PodInfo, node: NodeInfo): Result {
    for (const p of this.preFilter) {
      if (!p.preFilterExtensions || state.skipFilterPlugins.has(p.name)) continue;
      const s = p.preFilterExtensions.removePod(state, pod, toRemove, node);
      if (!isSuccess(s)) return tag(s!, p.name);
    }
    return null;
  }

  /** Filter: the first non-success wins (RunFilterPlugins). */
  runFilterPlugins(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const skip = state.skipFilterPlugins;
    for (let i = 0; i < this.filter.length; i++) {
      const p = this.filter[i];
      if (skip.size && skip.has(p.name)) continue;
      const s = p.filter(state, pod, node);
      if (s !== null && s.code !== Code.Success) {
        if (s.code !== Code.Error && !s.isRejected()) return tag(newStatus(Code.Error, `plugin ${p.name} returned an invalid status code`), p.name);
        return tag(s, p.name);
      }
    }
    return null;
  }

  /**
   * Filter with nominated pods (RunFilterPluginsWithNominatedPods): when pods of equal or higher
   * priority are nominated to the node, the pod must fit both with them added and without them.
   */
  runFilterPluginsWithNominatedPods(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    const nominated = this.handle.nominator?.nominatedPodsForNode(node.name);
    if (nominated && nominated.length) {
      let added: NodeInfo | undefined;
      let stateWith: CycleState | undefined;
      for (const np of nominated) {
        if (np.uid === pod.uid || np.priority < pod.priority) continue;
        if (!added) {
          added = node.clone();
          stateWith = state.clone();
        }
        added.addPod(np);
        const s = this.runPreFilterExtensionAddPod(stateWith!, pod, np, added);
        if (!isSuccess(s)) return s;
      }
      if (added) {
        const s = this.runFilterPlugins(stateWith!, pod, added);
        if (!isSuccess(s)) return s;
      }
    }
    return this.runFilterPlugins(state, pod, node);
  }

  /** PostFilter: the first plugin that succeeds (or errors) decides (RunPostFilterPlugins). */
  runPostFilterPlugins(state: CycleState, pod: PodInfo, filtered: NodeToStatus): { result: PostFilterResult | null; status: Result } {
    let last: { result: PostFilterResult | null; status: Result } = { result: null, status: newStatus(Code.Unschedulable) };
    for (const p of this.postFilter) {
      const out = p.postFilter(state, pod, filtered);
      if (isSuccess(out.status) || out.status!.code === Code.Error) return out;
      last = { result: out.result ?? last.result, status: tag(out.status!, p.name) };
    }
    return last;
  }

  /** PreScore: a Skip disables the plugin's Score for this pod. */
  runPreScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): Result {
    for (const p of this.preScore) {
      const s = p.preScore(state, pod, nodes);
      if (s === null || s.code === Code.Success) continue;
      if (s.code === Code.Skip) state.skipScorePlugins.add(p.name);
      else return tag(s, p.name);
    }
    return null;
  }

  /**
   * Score: every active plugin scores every node, normalizes, and its weighted scores are added to
   * `totals[0..nodes.length)` (which the caller zeroes).
   */
  runScorePlugins(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[], totals: Float64Array): void {
    const n = nodes.length;
    for (let i = 0; i < this.score.length; i++) {
      const p = this.score[i];
      if (state.skipScorePlugins.has(p.name)) continue;
      if (this.scratch[i].length < n) this.scratch[i] = new Float64Array(Math.max(n, this.scratch[i].length * 2));
      const buf = this.scratch[i];
      for (let j = 0; j < n; j++) buf[j] = p.score(state, pod, nodes[j]);
      p.normalizeScore?.(state, pod, buf, n, nodes);
      const w = this.scoreWeights[i];
      for (let j = 0; j < n; j++) totals[j] += buf[j] * w;
    }
  }

  /** Reserve in plugin order; on failure the caller runs Unreserve. */
  runReservePluginsReserve(state: CycleState, pod: PodInfo, nodeName: string): Result {
    for (const p of this.reserve) {
      const s = p.reserve(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s!, p.name);
    }
    return null;
  }

  /** Unreserve in reverse plugin order. */
  runReservePluginsUnreserve(state: CycleState, pod: PodInfo, nodeName: string): void {
    for (let i = this.reserve.length - 1; i >= 0; i--) this.reserve[i].unreserve(state, pod, nodeName);
  }

  /** PreBind, sequentially; the first failure aborts. */
  async runPreBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const p of this.preBind) {
      const s = await p.preBind(state, pod, nodeName);
      if (!isSuccess(s)) return tag(s!, p.name);
    }
    return null;
  }

  /** Bind: the first plugin that does not Skip decides. */
  async runBindPlugins(state: CycleState, pod: PodInfo, nodeName: string): Promise<Result> {
    for (const p of this.bind) {
      let s: Result;
      try {
        s = await p.bind(state, pod, nodeName);
      } catch (err) {
        return asStatus(err, p.name);
      }
      if (s?.code === Code.Skip) continue;
      return isSuccess(s) ? null : tag(s!, p.name);
    }
    return newStatus(Code.Skip, 'no bind plugin bound the pod');
  }

  /** A fresh cycle state. */
  newCycleState(): CycleState {
    return new CycleState();
  }
}

function tag(s: Status, plugin: string): Status {
  if (!s.plugin) s.plugin = plugin;
  return s;
}
