/**
 * The DaemonSet controller (kube-controller-manager's `daemonset`): one pod per eligible node,
 * placed by pinning each pod's required node affinity to its node; pods follow new nodes and
 * leave nodes the set no longer fits; RollingUpdate (maxUnavailable / maxSurge) or OnDelete
 * through ControllerRevisions; status counts per node.
 */
import { cloneJson, jsonEqual } from '../api/object.ts';
import { findResource, parseApiVersion } from '../api/registry.ts';
import { isEmptySelector, matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors/labels.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { CONTROLLER_REVISIONS } from './controller-revision.ts';
import { cleanupHistory, constructHistory, DAEMONSETS } from './daemonset-history.ts';
import { daemonPodTemplate, nodeShouldRunDaemonPod, targetNodeName } from './daemonset-nodes.ts';
import { byCreationAndPhase, isPodUpdated, managePlan, rollingUpdatePlan, type NodePlan } from './daemonset-rollout.ts';
import { Expectations } from './expectations.ts';
import { SelectorIndex } from './owner-selectors.ts';
import { deletePods, podFromTemplate, PODS, SLOW_START_INITIAL_BATCH, type PodOwner } from './pod-control.ts';
import { isPodAvailable, isPodReady, msUntilAvailable } from './pod-status.ts';
import { BURST_REPLICAS } from './replica-manager.ts';
import type { ControllerRevision, DaemonSet, DaemonSetStatus, NodeObject } from './set-types.ts';
import type { KubeObject } from '../api/object.ts';
import type { Pod } from './workload-types.ts';

export { DAEMONSETS } from './daemonset-history.ts';
/** The nodes resource. */
export const NODES = findResource('', 'v1', 'nodes')!;

interface DsState {
  selectors: SelectorIndex;
  expectations: Expectations;
  /** Every DaemonSet key seen, for node events. */
  keys: Set<string>;
  /** Per node: the resourceVersion and placement fingerprint last seen. */
  nodes: Map<string, { rv: number; fp: string }>;
}

/**
 * A new DaemonSet controller. It watches DaemonSets, pods (owner or, for orphans, matching
 * selectors), nodes (a node whose labels, taints or existence changed wakes every DaemonSet) and
 * its ControllerRevisions.
 */
export function daemonSetController(): Controller {
  const state: DsState = { selectors: new SelectorIndex(), expectations: new Expectations(), keys: new Set(), nodes: new Map() };
  return {
    name: 'daemonset',
    watches: [
      { resource: DAEMONSETS },
      { resource: PODS, map: (pod) => podKeys(pod as Pod, state) },
      { resource: NODES, map: (node) => nodeKeys(node, state) },
      { resource: CONTROLLER_REVISIONS, map: { ownerKind: 'DaemonSet', ownerGroup: 'apps' } },
    ],
    reconcile: (ctx, key) => syncDaemonSet(ctx, key, state),
  };
}

function podKeys(pod: Pod, state: DsState): string[] {
  const ns = pod.metadata.namespace ?? '';
  const ref = controllerRefOf(pod);
  if (ref) return ref.kind === 'DaemonSet' && parseApiVersion(ref.apiVersion).group === 'apps' ? [`${ns}/${ref.name}`] : [];
  if (pod.metadata.deletionTimestamp) return [];
  return state.selectors.matching(ns, pod.metadata.labels);
}

/**
 * Node events wake every DaemonSet only when placement could change (shouldIgnoreNodeUpdate):
 * a new node, changed labels/taints, or a delete. The runner hands us the new object first and
 * then the old one; an object at the resourceVersion already seen is a delete (or a resync).
 */
function nodeKeys(node: KubeObject, state: DsState): string[] {
  const name = node.metadata.name!;
  const rv = Number(node.metadata.resourceVersion ?? 0);
  const fp = JSON.stringify([node.metadata.labels ?? {}, (node as NodeObject).spec?.taints ?? []]);
  const seen = state.nodes.get(name);
  if (seen && rv < seen.rv) return [];
  if (seen && rv === seen.rv) return [...state.keys];
  state.nodes.set(name, { rv, fp });
  return !seen || seen.fp !== fp ? [...state.keys] : [];
}

/** syncDaemonSet: history, then (once expectations are met) manage and roll, then status and history cleanup. */
async function syncDaemonSet(ctx: ReconcileContext, key: string, state: DsState): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const ds = ctx.listers.get<DaemonSet>(DAEMONSETS).get(namespace, name);
  if (!ds) {
    state.expectations.forget(key);
    state.selectors.delete(namespace, key);
    state.keys.delete(key);
    return;
  }
  state.keys.add(key);
  let selector: LabelSelector;
  try {
    selector = selectorFromLabelSelector(ds.spec.selector);
  } catch (err) {
    ctx.log('invalid selector', { key, error: (err as Error).message });
    return;
  }
  if (isEmptySelector(selector)) {
    ctx.recorder.event(eventTarget(ds), 'Warning', 'SelectingAll', 'This daemon set is selecting all pods. A non-empty selector is required.');
    return;
  }
  state.selectors.set(namespace, key, selector);
  if (ds.metadata.deletionTimestamp) return;
  const claimOpts = { client: ctx.client, owner: ds, ownerApiVersion: 'apps/v1', ownerKind: 'DaemonSet', canAdopt: () => stillOwner(ctx, ds), match: (o: KubeObject) => matchesLabels(selector, o.metadata.labels) };
  const podLister = ctx.listers.get<Pod>(PODS).namespace(namespace);
  const allPods = podLister.list();
  const revisions = await claimObjects(ctx.listers.get<ControllerRevision>(CONTROLLER_REVISIONS).namespace(namespace).list(), { ...claimOpts, ref: CONTROLLER_REVISIONS });
  const pods = await claimObjects(allPods, { ...claimOpts, ref: PODS });
  const { cur, old } = await constructHistory(ctx, ds, revisions, pods);
  const hash = cur.metadata.labels?.['controller-revision-hash'] ?? '';
  const nodes = ctx.listers.get<NodeObject>(NODES).list();
  const now = Date.now();
  const cache = { get: (n: string) => podLister.get(n), latestRevision: () => Math.max(0, ...allPods.map((p) => Number(p.metadata.resourceVersion ?? 0))) };
  if (!state.expectations.satisfied(key, cache)) {
    await writeStatus(ctx, ds, computeStatus(ds, nodes, groupByNode(pods), hash, now), false);
    return;
  }
  let error: Error | undefined;
  try {
    const byNode = groupByNode(pods);
    const plan = managePlan(ds, nodes, byNode, hash, now);
    for (const f of plan.failed) ctx.recorder.event(eventTarget(ds), 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${f.pod.metadata.namespace}/${f.pod.metadata.name} on node ${f.node}, will try to kill it`);
    await syncNodes(ctx, key, state, ds, pods, plan, hash);
    if (plan.creates.length === 0 && plan.deletes.length === 0 && (ds.spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate') {
      await syncNodes(ctx, key, state, ds, pods, rollingUpdatePlan(ds, nodes, byNode, hash, now), hash);
    }
    await cleanupHistory(ctx, ds, old, pods);
  } catch (err) {
    error = err as Error;
  }
  await writeStatus(ctx, ds, computeStatus(ds, nodes, groupByNode(pods), hash, now), true);
  if (error) throw error;
  const waits = pods.map((p) => msUntilAvailable(p, ds.spec.minReadySeconds ?? 0, now)).filter((ms) => ms > 0);
  if (waits.length > 0) return { requeueAfterMs: Math.min(...waits) };
}

function eventTarget(ds: DaemonSet): DaemonSet {
  return { ...ds, apiVersion: 'apps/v1', kind: 'DaemonSet' };
}

async function stillOwner(ctx: ReconcileContext, ds: DaemonSet): Promise<boolean> {
  try {
    const fresh = await ctx.client.get(DAEMONSETS, ds.metadata.namespace, ds.metadata.name!);
    return fresh.metadata.uid === ds.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/** getNodesToDaemonPods: the claimed pods by the node they are (or will be) on. */
function groupByNode(pods: Pod[]): Map<string, Pod[]> {
  const byNode = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = targetNodeName(pod);
    if (!node) continue;
    byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  return byNode;
}

/**
 * syncNodes: deletes the named pods and creates one pod per node (slow-start batches, at most
 * BURST_REPLICAS of each), recording expectations for both and the usual Events.
 */
async function syncNodes(ctx: ReconcileContext, key: string, state: DsState, ds: DaemonSet, pods: Pod[], plan: Pick<NodePlan, 'creates' | 'deletes'>, hash: string): Promise<void> {
  const owner: PodOwner = { object: ds, apiVersion: 'apps/v1', kind: 'DaemonSet' };
  const creates = plan.creates.slice(0, BURST_REPLICAS);
  const deleteNames = new Set(plan.deletes.slice(0, BURST_REPLICAS));
  const victims = pods.filter((p) => deleteNames.has(p.metadata.name!));
  const created: KubeObject[] = [];
  let error: Error | undefined;
  for (let pos = 0, batch = Math.min(creates.length, SLOW_START_INITIAL_BATCH); batch > 0 && !error; pos += batch, batch = Math.min(2 * batch, creates.length - pos)) {
    const results = await Promise.allSettled(creates.slice(pos, pos + batch).map((node) => createDaemonPod(ctx, owner, ds, hash, node)));
    for (const r of results) {
      if (r.status === 'fulfilled') created.push(r.value);
      else error ??= r.reason as Error;
    }
  }
  state.expectations.expectCreations(key, created);
  const deleted = await deletePods(ctx.client, ctx.recorder, owner, victims);
  state.expectations.expectDeletions(key, deleted.done);
  error ??= deleted.error;
  if (error) throw error;
}

async function createDaemonPod(ctx: ReconcileContext, owner: PodOwner, ds: DaemonSet, hash: string, node: string): Promise<Pod> {
  const target = eventTarget(ds);
  try {
    const pod = await ctx.client.create<Pod>(PODS, podFromTemplate(daemonPodTemplate(ds, hash, node), owner));
    ctx.recorder.event(target, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    return pod;
  } catch (err) {
    ctx.recorder.event(target, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
    throw err;
  }
}

/** updateDaemonSetStatus: per node, whether it should run a pod, has one, and whether the oldest is ready, available and updated. */
export function computeStatus(ds: DaemonSet, nodes: NodeObject[], byNode: Map<string, Pod[]>, hash: string, now: number): DaemonSetStatus {
  let desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
  for (const node of nodes) {
    const pods = byNode.get(node.metadata.name!) ?? [];
    if (!nodeShouldRunDaemonPod(node, ds).shouldRun) {
      if (pods.length > 0) misscheduled++;
      continue;
    }
    desired++;
    if (pods.length === 0) continue;
    current++;
    const pod = [...pods].sort(byCreationAndPhase)[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, ds.spec.minReadySeconds ?? 0, now)) available++;
    }
    if (isPodUpdated(pod, ds, hash)) updated++;
  }
  const status: DaemonSetStatus = { currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready };
  if (updated) status.updatedNumberScheduled = updated;
  if (available) status.numberAvailable = available;
  if (desired - available) status.numberUnavailable = desired - available;
  return status;
}

/** storeDaemonSetStatus: observedGeneration (when the sync got that far), collisionCount and conditions kept; skipped when unchanged. */
async function writeStatus(ctx: ReconcileContext, ds: DaemonSet, counts: DaemonSetStatus, observe: boolean): Promise<void> {
  const next: DaemonSetStatus = { ...counts };
  const generation = observe ? ds.metadata.generation : ds.status?.observedGeneration;
  if (generation !== undefined) next.observedGeneration = generation;
  if (ds.status?.collisionCount !== undefined) next.collisionCount = ds.status.collisionCount;
  if (ds.status?.conditions?.length) next.conditions = ds.status.conditions;
  if (jsonEqual(normalized(ds.status), normalized(next))) return;
  try {
    await ctx.client.updateStatus(DAEMONSETS, { ...cloneJson(ds), status: next });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const fresh = await ctx.client.get<DaemonSet>(DAEMONSETS, ds.metadata.namespace, ds.metadata.name!);
    await ctx.client.updateStatus(DAEMONSETS, { ...fresh, status: { ...next, collisionCount: fresh.status?.collisionCount } });
  }
}

function normalized(status: DaemonSetStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status ?? {})) if (v !== 0 && v !== undefined && !(Array.isArray(v) && v.length === 0)) out[k] = v;
  return out;
}
