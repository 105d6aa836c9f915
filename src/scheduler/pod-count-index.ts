/**
 * Per-node counts of the pods a predicate selects, kept up to date as pods come and go, so that
 * PodTopologySpread and InterPodAffinity read "how many matching pods are on each node" in time
 * proportional to the nodes holding such pods instead of walking every pod in every cycle.
 * Kubernetes walks all pods per cycle (spread over 16 goroutines); on one event loop the walk over
 * 150,000 pods was the scheduler's largest cost, and the pods of one workload all share a selector,
 * so one index serves every pod of that workload.
 */
import type { NodeInfo } from './node-info.ts';
import type { AffinityTerm, PodInfo } from './pod-info.ts';

/** A pod predicate with a key: two matchers with the same key must select the same pods. */
export interface PodMatcher {
  readonly key: string;
  matches(pod: PodInfo): boolean;
}

/** Matching pods per NodeInfo (only entries above zero). Read-only for callers. */
export type PerNodeCounts = ReadonlyMap<NodeInfo, number>;

/** Most lazily built indexes kept; the least recently used one goes first. */
export const MAX_POD_COUNT_INDEXES = 64;

function bump(m: Map<NodeInfo, number>, node: NodeInfo, delta: number): void {
  const n = (m.get(node) ?? 0) + delta;
  if (n > 0) m.set(node, n);
  else m.delete(node);
}

/**
 * Lazily built indexes, one per matcher key: built by one walk over the tracked pods the first time
 * a key is asked for, then maintained by `added`/`removed`. A matcher may read namespace labels;
 * the owner calls `clear()` when those change, so a pod is never removed under another verdict
 * than it was added under.
 */
export class PodCountIndexes {
  private readonly indexes = new Map<string, { matcher: PodMatcher; counts: Map<NodeInfo, number> }>();

  constructor(private readonly max = MAX_POD_COUNT_INDEXES) {}

  /** The counts for `matcher`, built from `all()` (every tracked pod with its NodeInfo) when new. */
  counts(matcher: PodMatcher, all: () => Iterable<[PodInfo, NodeInfo]>): PerNodeCounts {
    const hit = this.indexes.get(matcher.key);
    if (hit) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.indexes.delete(matcher.key);
      this.indexes.set(matcher.key, hit);
      return hit.counts;
    }
    const counts = new Map<NodeInfo, number>();
    for (const [pod, node] of all()) if (matcher.matches(pod)) bump(counts, node, 1);
    this.indexes.set(matcher.key, { matcher, counts });
    if (this.indexes.size > this.max) this.indexes.delete(this.indexes.keys().next().value!);
    return counts;
  }

  /** A pod was accounted on `node`. */
  added(pod: PodInfo, node: NodeInfo): void {
    for (const { matcher, counts } of this.indexes.values()) if (matcher.matches(pod)) bump(counts, node, 1);
  }

  /** A pod was taken off `node`. */
  removed(pod: PodInfo, node: NodeInfo): void {
    for (const { matcher, counts } of this.indexes.values()) if (matcher.matches(pod)) bump(counts, node, -1);
  }

  /** Drops every index (they are rebuilt on demand). */
  clear(): void {
    this.indexes.clear();
  }

  /** Number of indexes held. */
  get size(): number {
    return this.indexes.size;
  }
}

/** Which list of an existing pod's terms an entry comes from. */
export type ExistingTermKind = 'requiredAffinity' | 'requiredAntiAffinity' | 'preferredAffinity' | 'preferredAntiAffinity';

/** One distinct (anti-)affinity term held by existing pods, with how many pods on each node hold it. */
export interface ExistingTerm {
  kind: ExistingTermKind;
  term: AffinityTerm;
  /** The preferred term's weight (0 for required terms). */
  weight: number;
  counts: Map<NodeInfo, number>;
}

/**
 * The (anti-)affinity terms of the tracked pods, grouped by term: a scheduling cycle evaluates each
 * distinct term once against the incoming pod and then adds its per-node counts, instead of
 * evaluating every existing pod's terms (the pods of one workload all carry the same terms).
 */
export class ExistingTermIndex {
  private readonly byKey = new Map<string, ExistingTerm>();

  /** Every distinct term with at least one pod holding it. */
  terms(): IterableIterator<ExistingTerm> {
    return this.byKey.values();
  }

  /** A pod was accounted on `node`. */
  added(pod: PodInfo, node: NodeInfo): void {
    this.each(pod, (kind, term, weight) => {
      const key = `${kind}\u0000${weight}\u0000${term.key}`;
      let entry = this.byKey.get(key);
      if (!entry) this.byKey.set(key, (entry = { kind, term, weight, counts: new Map() }));
      bump(entry.counts, node, 1);
    });
  }

  /** A pod was taken off `node`. */
  removed(pod: PodInfo, node: NodeInfo): void {
    this.each(pod, (kind, term, weight) => {
      const key = `${kind}\u0000${weight}\u0000${term.key}`;
      const entry = this.byKey.get(key);
      if (!entry) return;
      bump(entry.counts, node, -1);
      if (entry.counts.size === 0) this.byKey.delete(key);
    });
  }

  private each(pod: PodInfo, fn: (kind: ExistingTermKind, term: AffinityTerm, weight: number) => void): void {
    for (const t of pod.requiredAffinityTerms) fn('requiredAffinity', t, 0);
    for (const t of pod.requiredAntiAffinityTerms) fn('requiredAntiAffinity', t, 0);
    for (const t of pod.preferredAffinityTerms) fn('preferredAffinity', t, t.weight);
    for (const t of pod.preferredAntiAffinityTerms) fn('preferredAntiAffinity', t, t.weight);
  }
}
