/**
 * The StatefulSet controller (kube-controller-manager's `statefulset`): pods with stable names
 * and storage, created and removed in ordinal order (OrderedReady) or all at once (Parallel),
 * rolled to new templates through ControllerRevisions (RollingUpdate with partition, or OnDelete),
 * and a status with replica counts and the current and update revisions.
 */
import { cloneJson, jsonEqual } from '../api/object.ts';
import { findResource, parseApiVersion } from '../api/registry.ts';
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors/labels.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { bumpRevision, byRevisionNumber, createControllerRevision, CONTROLLER_REVISIONS, equalRevision, newControllerRevision, nextRevisionNumber, templateOfRevision, templatePatch, type RevisionParent } from './controller-revision.ts';
import { SelectorIndex } from './owner-selectors.ts';
import { PODS } from './pod-control.ts';
import { msUntilAvailable } from './pod-status.ts';
import { PVCS, StatefulPodControl } from './statefulset-pod-control.ts';
import { isMemberOf, podRevision } from './statefulset-pods.ts';
import { updateStatefulSet } from './statefulset-update.ts';
import type { ControllerRevision, PersistentVolumeClaim, StatefulSet, StatefulSetStatus } from './set-types.ts';
import type { Pod } from './workload-types.ts';

/** The statefulsets resource. */
export const STATEFULSETS = findResource('apps', 'v1', 'statefulsets')!;

/**
 * A new StatefulSet controller. It watches StatefulSets and pods (a pod wakes its controlling
 * set; an orphan every set whose selector matches it), and caches revisions and claims.
 */
export function statefulSetController(): Controller {
  const selectors = new SelectorIndex();
  return {
    name: 'statefulset',
    watches: [
      { resource: STATEFULSETS },
      { resource: PODS, map: (pod) => podSetKeys(pod as Pod, selectors) },
      { resource: CONTROLLER_REVISIONS, map: 'none' },
      { resource: PVCS, map: 'none' },
    ],
    reconcile: (ctx, key) => syncStatefulSet(ctx, key, selectors),
  };
}

function podSetKeys(pod: Pod, selectors: SelectorIndex): string[] {
  const ns = pod.metadata.namespace ?? '';
  const ref = controllerRefOf(pod);
  if (ref) return ref.kind === 'StatefulSet' && parseApiVersion(ref.apiVersion).group === 'apps' ? [`${ns}/${ref.name}`] : [];
  if (pod.metadata.deletionTimestamp) return [];
  return selectors.matching(ns, pod.metadata.labels);
}

/** sync: claim revisions and pods, run one update pass, write status, trim history. */
async function syncStatefulSet(ctx: ReconcileContext, key: string, selectors: SelectorIndex): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const set = ctx.listers.get<StatefulSet>(STATEFULSETS).get(namespace, name);
  if (!set) {
    selectors.delete(namespace, key);
    return;
  }
  let selector: LabelSelector;
  try {
    selector = selectorFromLabelSelector(set.spec.selector);
  } catch (err) {
    ctx.log('invalid selector', { key, error: (err as Error).message });
    return;
  }
  selectors.set(namespace, key, selector);
  const parent: RevisionParent = { object: set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
  const claimOpts = { client: ctx.client, owner: set, ownerApiVersion: 'apps/v1', ownerKind: 'StatefulSet', canAdopt: () => stillOwner(ctx, set) };
  const revisions = (await claimObjects(ctx.listers.get<ControllerRevision>(CONTROLLER_REVISIONS).namespace(namespace).list(), { ...claimOpts, ref: CONTROLLER_REVISIONS, match: (r) => matchesLabels(selector, r.metadata.labels) })).sort(byRevisionNumber);
  const pods = await claimObjects(ctx.listers.get<Pod>(PODS).namespace(namespace).list(), { ...claimOpts, ref: PODS, match: (p) => matchesLabels(selector, p.metadata.labels) && isMemberOf(set, p as Pod) });
  const { current, update, collisionCount } = await setRevisions(ctx, set, parent, revisions);
  const withTemplate = (rev: ControllerRevision): StatefulSet => ({ ...set, spec: { ...set.spec, template: templateOfRevision(rev) } });
  const control = new StatefulPodControl(ctx.client, ctx.recorder, ctx.listers.get<PersistentVolumeClaim>(PVCS));
  const now = Date.now();
  const result = await updateStatefulSet({ set, currentSet: withTemplate(current), updateSet: withTemplate(update), currentRevision: current.metadata.name!, updateRevision: update.metadata.name!, collisionCount, pods, control, now });
  completeRollingUpdate(set, result.status);
  await writeStatus(ctx, set, result.status);
  await truncateHistory(ctx, set, pods, revisions, [current, update]);
  if (result.error) throw result.error;
  const minReady = set.spec.minReadySeconds ?? 0;
  const waits = pods.map((p) => msUntilAvailable(p, minReady, now)).filter((ms) => ms > 0);
  if (waits.length > 0) return { requeueAfterMs: Math.min(...waits) };
}

async function stillOwner(ctx: ReconcileContext, set: StatefulSet): Promise<boolean> {
  try {
    const fresh = await ctx.client.get(STATEFULSETS, set.metadata.namespace, set.metadata.name!);
    return fresh.metadata.uid === set.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/**
 * getStatefulSetRevisions: the update revision is the latest revision when it already holds the
 * set's template, an older equal revision renumbered to the next number (a rollback), or a new
 * revision. The current revision is the one status.currentRevision names, else the update one.
 */
async function setRevisions(ctx: ReconcileContext, set: StatefulSet, parent: RevisionParent, revisions: ControllerRevision[]): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
  let collisionCount = set.status?.collisionCount ?? 0;
  const candidate = newControllerRevision(parent, set.spec.template?.metadata?.labels, templatePatch(set.spec.template), nextRevisionNumber(revisions), collisionCount);
  const equal = revisions.filter((r) => equalRevision(r, candidate));
  const latest = revisions[revisions.length - 1];
  let update: ControllerRevision;
  if (equal.length > 0 && latest && equalRevision(latest, equal[equal.length - 1])) {
    update = latest;
  } else if (equal.length > 0) {
    update = await bumpRevision(ctx.client, equal[equal.length - 1], candidate.revision);
  } else {
    ({ revision: update, collisionCount } = await createControllerRevision(ctx.client, parent, candidate, collisionCount));
  }
  const current = revisions.find((r) => r.metadata.name === set.status?.currentRevision) ?? update;
  return { current, update, collisionCount };
}

/** completeRollingUpdate: once every replica runs the update revision and is ready, it becomes current. */
function completeRollingUpdate(set: StatefulSet, status: StatefulSetStatus): void {
  const replicas = set.spec.replicas ?? 1;
  if ((set.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate' && status.updatedReplicas === replicas && status.readyReplicas === replicas && status.replicas === replicas) {
    status.currentReplicas = status.updatedReplicas;
    status.currentRevision = status.updateRevision;
  }
}

/** Go's omitempty on the optional counts: zero counts are left out. */
function normalized(status: StatefulSetStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = { replicas: status?.replicas ?? 0, availableReplicas: status?.availableReplicas ?? 0 };
  for (const f of ['observedGeneration', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'currentRevision', 'updateRevision'] as const) {
    if (status?.[f]) out[f] = status[f];
  }
  if (status?.collisionCount !== undefined) out.collisionCount = status.collisionCount;
  if (status?.conditions?.length) out.conditions = status.conditions;
  return out;
}

/** updateStatefulSetStatus: writes the status when it changed, retrying once on a conflict from a fresh read. */
async function writeStatus(ctx: ReconcileContext, set: StatefulSet, status: StatefulSetStatus): Promise<void> {
  const next = normalized({ ...status, conditions: set.status?.conditions }) as unknown as StatefulSetStatus;
  if (jsonEqual(normalized(set.status), next)) return;
  try {
    await ctx.client.updateStatus(STATEFULSETS, { ...cloneJson(set), status: next });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const fresh = await ctx.client.get<StatefulSet>(STATEFULSETS, set.metadata.namespace, set.metadata.name!);
    await ctx.client.updateStatus(STATEFULSETS, { ...fresh, status: next });
  }
}

/**
 * truncateHistory: revisions not live (current, update, or named by a pod) beyond
 * revisionHistoryLimit are deleted, oldest first.
 */
async function truncateHistory(ctx: ReconcileContext, set: StatefulSet, pods: Pod[], revisions: ControllerRevision[], live: ControllerRevision[]): Promise<void> {
  const liveNames = new Set([...live.map((r) => r.metadata.name), ...pods.map(podRevision)]);
  const history = revisions.filter((r) => !liveNames.has(r.metadata.name));
  const limit = set.spec.revisionHistoryLimit ?? 10;
  for (const r of history.slice(0, Math.max(0, history.length - limit))) {
    try {
      await ctx.client.delete(CONTROLLER_REVISIONS, r.metadata.namespace, r.metadata.name!);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
  }
}
