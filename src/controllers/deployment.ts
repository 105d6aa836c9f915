/**
 * The Deployment controller (kube-controller-manager's `deployment`, pkg/controller/deployment):
 * one ReplicaSet per pod template (named `<deployment>-<pod-template-hash>`, revisions in
 * annotations), rolled out with RollingUpdate or Recreate, scaled proportionally, paused,
 * cleaned up to revisionHistoryLimit, with the status and conditions `kubectl rollout status` reads.
 * Rollback is kubectl's own (it patches the template back from an old ReplicaSet).
 */
import { jsonEqual } from '../api/object.ts';
import { parseApiVersion } from '../api/registry.ts';
import { isEmptySelector, matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors/labels.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { isScalingEvent, rolloutRecreate, rolloutRolling, syncDeploymentStatus, syncScaling } from './deployment-rollout.ts';
import { getCondition, hasProgressDeadline, newCondition, REASONS, setCondition } from './deployment-status.ts';
import { DEPLOYMENTS, DeploymentSync } from './deployment-sync.ts';
import { POD_TEMPLATE_HASH_LABEL } from './deployment-util.ts';
import { SelectorIndex } from './owner-selectors.ts';
import { PODS } from './pod-control.ts';
import { REPLICASETS } from './replicaset.ts';
import type { Deployment, Pod, ReplicaSet } from './workload-types.ts';

/** What one controller instance remembers between reconciles, for its event mappers. */
interface DeploymentState {
  selectors: SelectorIndex;
  /** Keys of Deployments with the Recreate strategy: only their pods' events matter. */
  recreate: Set<string>;
}

/**
 * A new Deployment controller. It watches Deployments, ReplicaSets (a ReplicaSet wakes its
 * controlling Deployment, an orphan every Deployment whose selector matches it) and, for Recreate
 * Deployments, their pods (Recreate waits for old pods to be gone).
 */
export function deploymentController(): Controller {
  const state: DeploymentState = { selectors: new SelectorIndex(), recreate: new Set() };
  return {
    name: 'deployment',
    watches: [
      { resource: DEPLOYMENTS },
      { resource: REPLICASETS, map: (rs) => replicaSetKeys(rs as ReplicaSet, state) },
      { resource: PODS, map: (pod) => recreatePodKeys(pod as Pod, state) },
    ],
    reconcile: (ctx, key) => syncDeployment(ctx, key, state),
  };
}

function replicaSetKeys(rs: ReplicaSet, state: DeploymentState): string[] {
  const ns = rs.metadata.namespace ?? '';
  const ref = controllerRefOf(rs);
  if (ref) return ref.kind === 'Deployment' && parseApiVersion(ref.apiVersion).group === 'apps' ? [`${ns}/${ref.name}`] : [];
  if (rs.metadata.deletionTimestamp) return [];
  return state.selectors.matching(ns, rs.metadata.labels);
}

/** A pod of ReplicaSet `<deployment>-<hash>` wakes that Deployment when it uses Recreate. */
function recreatePodKeys(pod: Pod, state: DeploymentState): string[] {
  const ref = controllerRefOf(pod);
  const hash = pod.metadata.labels?.[POD_TEMPLATE_HASH_LABEL];
  if (!ref || ref.kind !== 'ReplicaSet' || !hash || !ref.name.endsWith(`-${hash}`)) return [];
  const key = `${pod.metadata.namespace ?? ''}/${ref.name.slice(0, -hash.length - 1)}`;
  return state.recreate.has(key) ? [key] : [];
}

/** syncDeployment: one level-based pass over one Deployment. */
async function syncDeployment(ctx: ReconcileContext, key: string, state: DeploymentState): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const cached = ctx.listers.get<Deployment>(DEPLOYMENTS).get(namespace, name);
  if (!cached) {
    state.selectors.delete(namespace, key);
    state.recreate.delete(key);
    return;
  }
  const s = new DeploymentSync(ctx, cached);
  const d = s.d;
  let selector: LabelSelector;
  try {
    selector = selectorFromLabelSelector(d.spec.selector);
  } catch (err) {
    ctx.log('invalid selector', { key, error: (err as Error).message });
    return;
  }
  if (isEmptySelector(selector)) return selectingAll(s);
  state.selectors.set(namespace, key, selector);
  if (d.spec.strategy?.type === 'Recreate') state.recreate.add(key);
  else state.recreate.delete(key);

  const rsList = await claimReplicaSets(ctx, d, selector);
  if (d.metadata.deletionTimestamp) {
    const { newRS, oldRSs } = await s.replicaSets(rsList, false);
    return syncDeploymentStatus(s, [...oldRSs, ...(newRS ? [newRS] : [])], newRS);
  }
  await checkPausedConditions(s);
  if (d.spec.paused) return syncScaling(s, rsList);
  if (await isScalingEvent(s, rsList)) return syncScaling(s, rsList);
  if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s, rsList, podsByReplicaSet(ctx, d, selector, rsList));
  return rolloutRolling(s, rsList);
}

/** An empty selector would select every pod: Kubernetes refuses with a Warning and only bumps observedGeneration. */
async function selectingAll(s: DeploymentSync): Promise<void> {
  s.event('Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
  if ((s.d.status?.observedGeneration ?? 0) < (s.d.metadata.generation ?? 0)) {
    s.d.status = { ...s.d.status, observedGeneration: s.d.metadata.generation };
    await s.updateStatus();
  }
}

/** getReplicaSetsForDeployment: the namespace's ReplicaSets this Deployment controls after adoption / release. */
async function claimReplicaSets(ctx: ReconcileContext, d: Deployment, selector: LabelSelector): Promise<ReplicaSet[]> {
  const all = ctx.listers.get<ReplicaSet>(REPLICASETS).namespace(d.metadata.namespace ?? '').list();
  return claimObjects(all, {
    client: ctx.client,
    ref: REPLICASETS,
    owner: d,
    ownerApiVersion: 'apps/v1',
    ownerKind: 'Deployment',
    match: (rs) => matchesLabels(selector, rs.metadata.labels),
    canAdopt: async () => {
      try {
        const fresh = await ctx.client.get(DEPLOYMENTS, d.metadata.namespace, d.metadata.name!);
        return fresh.metadata.uid === d.metadata.uid && !fresh.metadata.deletionTimestamp;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return false;
        throw err;
      }
    },
  });
}

/** getPodMapForDeployment: the Deployment's pods grouped by the uid of the ReplicaSet controlling them. */
function podsByReplicaSet(ctx: ReconcileContext, d: Deployment, selector: LabelSelector, rsList: ReplicaSet[]): Map<string, Pod[]> {
  const map = new Map<string, Pod[]>(rsList.map((rs) => [rs.metadata.uid ?? '', []]));
  for (const pod of ctx.listers.get<Pod>(PODS).namespace(d.metadata.namespace ?? '').list()) {
    if (!matchesLabels(selector, pod.metadata.labels)) continue;
    map.get(controllerRefOf(pod)?.uid ?? '')?.push(pod);
  }
  return map;
}

/**
 * checkPausedConditions: pausing sets Progressing Unknown "DeploymentPaused", resuming
 * "DeploymentResumed", so paused time does not count against the progress deadline; a
 * ProgressDeadlineExceeded condition is left as it is.
 */
async function checkPausedConditions(s: DeploymentSync): Promise<void> {
  const d = s.d;
  if (!hasProgressDeadline(d)) return;
  const cond = getCondition(d.status, 'Progressing');
  if (cond?.reason === REASONS.timedOut) return;
  const pausedCondExists = cond?.reason === REASONS.paused;
  const before = d.status?.conditions;
  if (d.spec.paused && !pausedCondExists) setCondition(d.status!, newCondition('Progressing', 'Unknown', REASONS.paused, 'Deployment is paused'));
  else if (!d.spec.paused && pausedCondExists) setCondition(d.status!, newCondition('Progressing', 'Unknown', REASONS.resumed, 'Deployment is resumed'));
  else return;
  if (!jsonEqual(before, d.status?.conditions)) await s.updateStatus();
}
