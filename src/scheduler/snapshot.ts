/**
 * The scheduler's view of the cluster (the scheduler cache and its snapshot in one, since a
 * scheduling cycle runs synchronously on one event loop): NodeInfos updated incrementally from
 * node/pod events, plus "assumed" pods that a cycle reserved before their binding is confirmed.
 */
import { NodeInfo } from './node-info.ts';
import { ExistingTermIndex, PodCountIndexes } from './pod-count-index.ts';
import type { ExistingTerm, PerNodeCounts, PodMatcher } from './pod-count-index.ts';
import { hasAffinity, newPodInfo } from './pod-info.ts';
import type { PodInfo } from './pod-info.ts';
import { podUid } from './types.ts';
import type { Namespace, Node, Pod } from './types.ts';

interface PodState {
  info: PodInfo;
  nodeName: string;
  /** Reserved by a scheduling cycle, not yet seen bound through the API. */
  assumed: boolean;
  bindingFinished: boolean;
}

/** Terminal pods are invisible to the scheduler (its pod informer selects status.phase!=Succeeded,Failed). */
function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * The cluster snapshot. Feed it informer events (add/update/remove for nodes, pods and namespaces);
 * read it from plugins. Pods without spec.nodeName are not tracked (they are the queue's business).
 */
export class Snapshot {
  private readonly infos = new Map<string, NodeInfo>();
  /** NodeInfos that have a Node object, in a stable order for the round-robin filter scan. */
  private readonly list: NodeInfo[] = [];
  private readonly listIndex = new Map<string, number>();
  private readonly podStates = new Map<string, PodState>();
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private affinityDirty = true;
  private withAffinity: NodeInfo[] = [];
  private withRequiredAntiAffinity: NodeInfo[] = [];
  private readonly counts = new PodCountIndexes();
  private readonly existingTerms = new ExistingTermIndex();

  /** Nodes with a Node object, in scan order. Do not mutate. */
  nodeInfoList(): readonly NodeInfo[] {
    return this.list;
  }

  /** Number of nodes (NumNodes). */
  get numNodes(): number {
    return this.list.length;
  }

  /** The NodeInfo of a node that exists, or undefined. */
  get(name: string): NodeInfo | undefined {
    const i = this.infos.get(name);
    return i?.node ? i : undefined;
  }

  /** Nodes with at least one pod carrying pod (anti-)affinity (HavePodsWithAffinityList). */
  havePodsWithAffinityList(): readonly NodeInfo[] {
    this.refreshAffinityLists();
    return this.withAffinity;
  }

  /** Nodes with at least one pod carrying required anti-affinity (HavePodsWithRequiredAntiAffinityList). */
  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    this.refreshAffinityLists();
    return this.withRequiredAntiAffinity;
  }

  /**
   * How many tracked pods (bound and assumed) `matcher` selects on each node, kept incrementally
   * after the first call for a key. Entries may include nodes whose Node object is gone
   * (`info.node === null`); callers skip those. A matcher may read namespace labels through this
   * snapshot: namespace changes drop the indexes.
   */
  matchingPodsPerNode(matcher: PodMatcher): PerNodeCounts {
    return this.counts.counts(matcher, () => this.trackedPods());
  }

  /** The distinct (anti-)affinity terms of tracked pods, each with its holders per node. */
  existingPodTerms(): IterableIterator<ExistingTerm> {
    return this.existingTerms.terms();
  }

  private *trackedPods(): Generator<[PodInfo, NodeInfo]> {
    for (const state of this.podStates.values()) {
      const node = this.infos.get(state.nodeName);
      if (node) yield [state.info, node];
    }
  }

  /** Labels of a namespace (for namespaceSelector); undefined when unknown. */
  namespaceLabelsOf(name: string): Record<string, string> | undefined {
    return this.namespaceLabels.get(name);
  }

  /** Names of all known namespaces whose labels satisfy a predicate. */
  namespacesMatching(pred: (labels: Record<string, string> | undefined) => boolean): string[] {
    const out: string[] = [];
    for (const [name, labels] of this.namespaceLabels) if (pred(labels)) out.push(name);
    return out;
  }

  /** Records a namespace (add or update). */
  setNamespace(ns: Namespace): void {
    const name = ns.metadata?.name;
    if (!name) return;
    const labels = ns.metadata?.labels ?? {};
    const before = this.namespaceLabels.get(name);
    this.namespaceLabels.set(name, labels);
    // Matchers with a namespaceSelector may now decide differently: rebuild the counts on demand.
    if (!before || !sameLabels(before, labels)) this.counts.clear();
  }

  /** Forgets a namespace. */
  removeNamespace(name: string): void {
    if (this.namespaceLabels.delete(name)) this.counts.clear();
  }

  /** Adds or updates a node. */
  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const info = this.infoFor(name);
    info.setNode(node);
    if (!this.listIndex.has(name)) {
      this.listIndex.set(name, this.list.length);
      this.list.push(info);
      this.affinityDirty = true;
    }
  }

  /**
   * Removes a node. Its pods stay accounted under an "imaginary" NodeInfo until they are deleted
   * too, as the Kubernetes cache does, but the node is no longer a scheduling candidate.
   */
  removeNode(name: string): void {
    const info = this.infos.get(name);
    if (!info) return;
    info.node = null;
    info.generation++;
    const i = this.listIndex.get(name);
    if (i !== undefined) {
      const last = this.list.pop()!;
      if (last !== info) {
        this.list[i] = last;
        this.listIndex.set(last.name, i);
      }
      this.listIndex.delete(name);
      this.affinityDirty = true;
    }
    if (info.pods.length === 0) this.infos.delete(name);
  }

  /** A pod event (add or update). Bound pods are accounted on their node; an assumed pod is confirmed. */
  setPod(pod: Pod): void {
    const uid = podUid(pod);
    const nodeName = pod.spec?.nodeName;
    const state = this.podStates.get(uid);
    if (!nodeName || isTerminal(pod)) {
      if (state && !state.assumed) this.removePodByUid(uid);
      return;
    }
    if (state) this.removePodByUid(uid);
    this.place(newPodInfo(pod), nodeName, false);
  }

  /** A pod was deleted. */
  removePod(pod: Pod): void {
    this.removePodByUid(podUid(pod));
  }

  /**
   * Assumes a pod onto a node before its binding completes (Cache.AssumePod): its resources count at
   * once, so the next cycle sees them. The caller passes the pod it reserved; spec.nodeName is set on
   * the stored copy. `info`, the PodInfo the cycle computed for `pod`, is reused rather than derived again.
   */
  assumePod(pod: Pod, nodeName: string, info?: PodInfo): void {
    const uid = podUid(pod);
    if (this.podStates.has(uid)) throw new Error(`pod ${uid} is in the cache, so can't be assumed`);
    const bound: Pod = { ...pod, spec: { ...pod.spec!, nodeName } };
    // Binding changes only spec.nodeName, which no derived field depends on.
    this.place(info && info.pod === pod ? { ...info, pod: bound } : newPodInfo(bound), nodeName, true);
  }

  /** The binding call returned; the assumed pod now waits for its bound version to arrive. */
  finishBinding(pod: Pod): void {
    const state = this.podStates.get(podUid(pod));
    if (state?.assumed) state.bindingFinished = true;
  }

  /** Binding failed: an assumed pod is dropped again (Cache.ForgetPod). */
  forgetPod(pod: Pod): void {
    const state = this.podStates.get(podUid(pod));
    if (state?.assumed) this.removePodByUid(podUid(pod));
  }

  /** Whether a pod is assumed and not yet confirmed. */
  isAssumed(pod: Pod): boolean {
    return this.podStates.get(podUid(pod))?.assumed === true;
  }

  /** The node a tracked pod is accounted on. */
  nodeOfPod(pod: Pod): string | undefined {
    return this.podStates.get(podUid(pod))?.nodeName;
  }

  private infoFor(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (!info) this.infos.set(name, (info = new NodeInfo(name)));
    return info;
  }

  private place(info: PodInfo, nodeName: string, assumed: boolean): void {
    const node = this.infoFor(nodeName);
    node.addPod(info);
    this.podStates.set(info.uid, { info, nodeName, assumed, bindingFinished: false });
    this.counts.added(info, node);
    if (hasAffinity(info)) {
      this.existingTerms.added(info, node);
      this.affinityDirty = true;
    }
  }

  private removePodByUid(uid: string): void {
    const state = this.podStates.get(uid);
    if (!state) return;
    this.podStates.delete(uid);
    const node = this.infos.get(state.nodeName);
    if (!node) return;
    node.removePod(uid);
    this.counts.removed(state.info, node);
    if (hasAffinity(state.info)) {
      this.existingTerms.removed(state.info, node);
      this.affinityDirty = true;
    }
    if (!node.node && node.pods.length === 0) this.infos.delete(state.nodeName);
  }

  private refreshAffinityLists(): void {
    if (!this.affinityDirty) return;
    this.withAffinity = this.list.filter((n) => n.podsWithAffinity.length > 0);
    this.withRequiredAntiAffinity = this.list.filter((n) => n.podsWithRequiredAntiAffinity.length > 0);
    this.affinityDirty = false;
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (a[k] !== b[k]) return false;
  return true;
}
