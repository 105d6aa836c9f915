/**
 * Deployment helpers with Kubernetes' semantics (pkg/controller/deployment/util): the
 * annotations a Deployment keeps on its ReplicaSets, revisions, the pod-template hash, maxSurge /
 * maxUnavailable arithmetic, and sums and orderings over ReplicaSets.
 */
import { cloneJson, jsonEqual } from '../api/object.ts';
import { specReplicas, type Deployment, type PodTemplate, type ReplicaSet } from './workload-types.ts';

/** The revision of the template a ReplicaSet runs (also mirrored on the Deployment). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Earlier revisions of a ReplicaSet that was rolled back to. */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** The Deployment's replicas when the ReplicaSet was last scaled for it. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** The Deployment's replicas + maxSurge when the ReplicaSet was last scaled for it. */
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
/** The label and selector term that tells a Deployment's ReplicaSets apart. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** kube-controller-manager's default cap on the revision-history annotation. */
export const MAX_REVISION_HISTORY_CHARS = 2000;

/** Deployment annotations that are not copied to its ReplicaSets (annotationsToSkip). */
const ANNOTATIONS_TO_SKIP = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** rand.SafeEncodeString's alphabet: no vowels, no 0/1/3, so hashes never spell words. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template hash (controller.ComputeHash): FNV-1a 32 of the template (here its canonical
 * JSON) followed by collisionCount as 8 little-endian bytes when set, printed in decimal and each
 * digit mapped through the safe alphabet, giving up to 10 characters.
 */
export function computeHash(template: PodTemplate | undefined, collisionCount?: number): string {
  let hash = 0x811c9dc5;
  const feed = (bytes: Uint8Array): void => {
    for (const b of bytes) hash = Math.imul(hash ^ b, 0x01000193) >>> 0;
  };
  feed(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    feed(bytes);
  }
  return [...String(hash >>> 0)].map((ch) => SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Whether two templates are equal once the pod-template-hash label is ignored (EqualIgnoreHash). */
export function equalIgnoreHash(a: PodTemplate | undefined, b: PodTemplate | undefined): boolean {
  return jsonEqual(withoutHash(a), withoutHash(b));
}

function withoutHash(t: PodTemplate | undefined): PodTemplate {
  const copy = cloneJson(t ?? {});
  if (copy.metadata?.labels) {
    delete copy.metadata.labels[POD_TEMPLATE_HASH_LABEL];
    if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
  }
  return copy;
}

/** The ReplicaSet's revision annotation as a number (0 when absent or not a number). */
export function revisionOf(rs: ReplicaSet): number {
  const v = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '0');
  return Number.isInteger(v) ? v : 0;
}

/** The highest revision among the ReplicaSets (MaxRevision). */
export function maxRevision(rsList: ReplicaSet[]): number {
  return Math.max(0, ...rsList.map(revisionOf));
}

/**
 * An IntOrString scaled against `total` (intstr.GetScaledValueFromIntOrPercent): a percentage
 * rounds up for maxSurge and down for maxUnavailable.
 */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const scaled = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/**
 * maxSurge and maxUnavailable for `desired` replicas (ResolveFenceposts): when both come out 0,
 * maxUnavailable becomes 1 so a rollout can always make progress.
 */
export function resolveFenceposts(d: Deployment, desired: number): { surge: number; unavailable: number } {
  const rolling = d.spec.strategy?.rollingUpdate ?? {};
  const surge = scaledValue(rolling.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(rolling.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** Whether the strategy is RollingUpdate (the default). */
export function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** MaxSurge: 0 unless rolling. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d, specReplicas(d)).surge : 0;
}

/** MaxUnavailable: 0 unless rolling with replicas; never more than the replicas. */
export function maxUnavailable(d: Deployment): number {
  const replicas = specReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(resolveFenceposts(d, replicas).unavailable, replicas);
}

/**
 * Copies the Deployment's annotations (but not the skipped ones) onto a ReplicaSet copy, raises its
 * revision to `newRevision` (keeping the old one in revision-history, capped at
 * MAX_REVISION_HISTORY_CHARS), and for a ReplicaSet about to be created adds the replica
 * annotations (SetNewReplicaSetAnnotations). Returns whether anything changed.
 */
export function setNewReplicaSetAnnotations(d: Deployment, rs: ReplicaSet, newRevision: number, exists: boolean): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  let changed = false;
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (ANNOTATIONS_TO_SKIP.has(k) || annotations[k] === v) continue;
    annotations[k] = v;
    changed = true;
  }
  const oldText = annotations[REVISION_ANNOTATION];
  const oldRevision = oldText === undefined ? 0 : Number(oldText);
  if (!Number.isInteger(oldRevision)) return changed;
  if (oldRevision < newRevision) {
    annotations[REVISION_ANNOTATION] = String(newRevision);
    changed = true;
    // A ReplicaSet that already had a revision is being rolled back to: keep its history.
    if (oldText !== undefined) appendRevisionHistory(annotations, oldText);
  }
  if (!exists && setReplicasAnnotations(rs, specReplicas(d), specReplicas(d) + maxSurge(d))) changed = true;
  return changed;
}

function appendRevisionHistory(annotations: Record<string, string>, oldRevision: string): void {
  const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
  if (history === '') {
    annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
    return;
  }
  const revisions = history.split(',');
  let total = history.length + oldRevision.length + 1;
  let start = 0;
  while (total > MAX_REVISION_HISTORY_CHARS && start < revisions.length) total -= revisions[start++].length + 1;
  if (total <= MAX_REVISION_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...revisions.slice(start), oldRevision].join(',');
}

/** Sets desired-replicas and max-replicas on a ReplicaSet copy; returns whether they changed. */
export function setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
  const annotations = (rs.metadata.annotations ??= {});
  if (annotations[DESIRED_REPLICAS_ANNOTATION] === String(desired) && annotations[MAX_REPLICAS_ANNOTATION] === String(max)) return false;
  annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
  annotations[MAX_REPLICAS_ANNOTATION] = String(max);
  return true;
}

/** Whether desired-replicas / max-replicas differ from the given values (ReplicasAnnotationsNeedUpdate). */
export function replicasAnnotationsNeedUpdate(rs: ReplicaSet, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || a[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** An integer annotation of a ReplicaSet, if present and valid. */
export function intAnnotation(rs: ReplicaSet, name: string): number | undefined {
  const raw = rs.metadata.annotations?.[name];
  return raw !== undefined && /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

/** Sum of spec.replicas (GetReplicaCountForReplicaSets). */
export function specSum(rsList: (ReplicaSet | undefined)[]): number {
  return rsList.reduce((n, rs) => n + (rs ? specReplicas(rs) : 0), 0);
}

/** Sum of a status count over the ReplicaSets (actual, ready, available). */
export function statusSum(rsList: (ReplicaSet | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  return rsList.reduce((n, rs) => n + (rs?.status?.[field] ?? 0), 0);
}

/** ReplicaSets with spec.replicas > 0 (FilterActiveReplicaSets). */
export function activeReplicaSets(rsList: (ReplicaSet | undefined)[]): ReplicaSet[] {
  return rsList.filter((rs): rs is ReplicaSet => rs !== undefined && specReplicas(rs) > 0);
}

/** Oldest first, ties by name (ReplicaSetsByCreationTimestamp). */
export function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : (a.metadata.name ?? '') > (b.metadata.name ?? '') ? 1 : 0;
}

/** Larger first, ties newer first (ReplicaSetsBySizeNewer), used when scaling up proportionally. */
export function bySizeNewer(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(b, a);
}

/** Larger first, ties older first (ReplicaSetsBySizeOlder), used when scaling down proportionally. */
export function bySizeOlder(a: ReplicaSet, b: ReplicaSet): number {
  return specReplicas(b) - specReplicas(a) || byCreation(a, b);
}

/** Lower revision first, ties by creation (ReplicaSetsByRevision). */
export function byRevision(a: ReplicaSet, b: ReplicaSet): number {
  return revisionOf(a) - revisionOf(b) || byCreation(a, b);
}

/** The ReplicaSet running the Deployment's current template; the oldest if several (FindNewReplicaSet). */
export function findNewReplicaSet(d: Deployment, rsList: ReplicaSet[]): ReplicaSet | undefined {
  return [...rsList].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec.template, d.spec.template));
}

/**
 * How many replicas the new ReplicaSet should have now (NewRSNewReplicas): with RollingUpdate as
 * many as maxSurge allows above the desired total, never more than desired; with Recreate all.
 */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
  if (!isRollingUpdate(d)) return specReplicas(d);
  const current = specSum(allRSs);
  const maxTotal = specReplicas(d) + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, specReplicas(d) - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}
