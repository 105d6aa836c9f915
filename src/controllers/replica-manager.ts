/**
 * The replica manager behind the ReplicaSet and ReplicationController controllers
 * (pkg/controller/replicaset, which also serves ReplicationControllers through an adapter): keep
 * `spec.replicas` active pods matching the selector, adopt and release pods by selector, and
 * report replicas / fullyLabeledReplicas / readyReplicas / availableReplicas / observedGeneration
 * and the ReplicaFailure condition through the status subresource.
 */
import { cloneJson, jsonEqual, nowTimestamp } from '../api/object.ts';
import { parseApiVersion } from '../api/registry.ts';
import { matchesLabels, type LabelSelector } from '../api/selectors/labels.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import type { NamespaceLister } from '../machinery/lister.ts';
import { claimObjects, controllerRefOf } from './controller-ref.ts';
import { Expectations, type ExpectationCache } from './expectations.ts';
import { SelectorIndex } from './owner-selectors.ts';
import { createPods, deletePods, PODS, type PodOwner } from './pod-control.ts';
import { podsToDelete } from './pod-ordering.ts';
import { isPodActive, isPodAvailable, isPodReady, msUntilAvailable } from './pod-status.ts';
import { specReplicas, type Condition, type Pod, type ReplicaSet, type ReplicaStatus } from './workload-types.ts';

/** Kubernetes' BurstReplicas: at most this many creates or deletes per sync. */
export const BURST_REPLICAS = 500;

/** What differs between ReplicaSets and ReplicationControllers. */
export interface ReplicaKind {
  /** The controller's name (`replicaset`, `replicationcontroller`). */
  controllerName: string;
  ref: ResourceRef;
  apiVersion: string;
  kind: string;
  /** The object's selector; may throw for an invalid one (the object is then skipped). */
  selectorOf(obj: ReplicaSet): LabelSelector;
}

/** State one controller instance keeps between reconciles. */
interface ManagerState {
  kind: ReplicaKind;
  expectations: Expectations;
  selectors: SelectorIndex;
}

/**
 * A Controller for one replica kind. It watches its own kind and pods; a pod wakes its controlling
 * owner of this kind, and an orphan pod wakes every controller whose selector matches it.
 */
export function replicaManager(kind: ReplicaKind, expectations: Expectations = new Expectations()): Controller {
  const state: ManagerState = { kind, expectations, selectors: new SelectorIndex() };
  return {
    name: kind.controllerName,
    watches: [{ resource: kind.ref }, { resource: PODS, map: (pod) => podOwnerKeys(pod as Pod, state) }],
    reconcile: (ctx, key) => syncReplicas(ctx, key, state),
  };
}

/** The keys a pod event wakes: its controller if of this kind, else (orphans) every matching controller. */
function podOwnerKeys(pod: Pod, state: ManagerState): string[] {
  const ns = pod.metadata.namespace ?? '';
  const ref = controllerRefOf(pod);
  if (ref) return ref.kind === state.kind.kind && parseApiVersion(ref.apiVersion).group === state.kind.ref.group ? [`${ns}/${ref.name}`] : [];
  if (pod.metadata.deletionTimestamp) return [];
  return state.selectors.matching(ns, pod.metadata.labels);
}

/** syncReplicaSet: one level-based pass over one controller object. */
async function syncReplicas(ctx: ReconcileContext, key: string, state: ManagerState): Promise<void | ReconcileResult> {
  const { kind, expectations, selectors } = state;
  const { namespace, name } = splitKey(key);
  const rs = ctx.listers.get<ReplicaSet>(kind.ref).get(namespace, name);
  if (!rs) {
    expectations.forget(key);
    selectors.delete(namespace, key);
    return;
  }
  let selector: LabelSelector;
  try {
    selector = kind.selectorOf(rs);
  } catch (err) {
    // Kubernetes logs an invalid selector and does not retry: nothing will fix it but an edit.
    ctx.log('invalid selector', { key, error: (err as Error).message });
    return;
  }
  selectors.set(namespace, key, selector);
  const podLister = ctx.listers.get<Pod>(PODS).namespace(namespace);
  const allPods = podLister.list();
  const needsSync = expectations.satisfied(key, expectationCache(podLister, allPods)) && !rs.metadata.deletionTimestamp;
  const owner: PodOwner = { object: rs, apiVersion: kind.apiVersion, kind: kind.kind };
  const pods = await claimObjects(allPods.filter(isPodActive), {
    client: ctx.client,
    ref: PODS,
    owner: rs,
    ownerApiVersion: kind.apiVersion,
    ownerKind: kind.kind,
    match: (pod) => matchesLabels(selector, pod.metadata.labels),
    canAdopt: () => stillOwner(ctx, kind, rs),
  });
  const manageError = needsSync ? await manageReplicas(ctx, key, state, owner, pods, allPods) : undefined;
  const now = Date.now();
  await writeStatus(ctx, kind, rs, calculateStatus(rs, pods, manageError, now));
  if (manageError) throw manageError;
  // A ready pod becomes available by time alone: look again when the first one will be.
  const minReady = rs.spec.minReadySeconds ?? 0;
  if (minReady === 0) return;
  let first = Infinity;
  for (const pod of pods) {
    const ms = msUntilAvailable(pod, minReady, now);
    if (ms > 0 && ms < first) first = ms;
  }
  if (first < Infinity) return { requeueAfterMs: first };
}

/** The pods cache as the expectations see it. */
function expectationCache(lister: NamespaceLister<Pod>, pods: Pod[]): ExpectationCache {
  const latestRevision = (): number => {
    // A loop, not Math.max(...spread): a spread of 100,000+ arguments overflows the stack.
    let max = 0;
    for (const p of pods) max = Math.max(max, Number(p.metadata.resourceVersion ?? 0));
    return max;
  };
  return { get: (name) => lister.get(name), latestRevision };
}

/** RecheckDeletionTimestamp: a live read confirms the owner is the same object and not being deleted. */
async function stillOwner(ctx: ReconcileContext, kind: ReplicaKind, rs: ReplicaSet): Promise<boolean> {
  try {
    const fresh = await ctx.client.get(kind.ref, rs.metadata.namespace, rs.metadata.name!);
    return fresh.metadata.uid === rs.metadata.uid && !fresh.metadata.deletionTimestamp;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}

/** manageReplicas: create or delete pods to close the gap (at most BURST_REPLICAS at once). */
async function manageReplicas(ctx: ReconcileContext, key: string, state: ManagerState, owner: PodOwner, pods: Pod[], allPods: Pod[]): Promise<Error | undefined> {
  const rs = owner.object as ReplicaSet;
  const diff = pods.length - specReplicas(rs);
  if (diff < 0) {
    const result = await createPods(ctx.client, ctx.recorder, owner, rs.spec.template ?? {}, Math.min(-diff, BURST_REPLICAS));
    state.expectations.expectCreations(key, result.done);
    return result.error;
  }
  if (diff > 0) {
    const victims = podsToDelete(pods, relatedPods(ctx, state.kind, rs, pods, allPods), Math.min(diff, BURST_REPLICAS));
    const result = await deletePods(ctx.client, ctx.recorder, owner, victims);
    state.expectations.expectDeletions(key, result.done);
    return result.error;
  }
  return undefined;
}

/**
 * getIndirectlyRelatedPods: the active pods of every controller object sharing this one's owner
 * (the other ReplicaSets of a Deployment), so scale-down prefers nodes doubled up across revisions.
 */
function relatedPods(ctx: ReconcileContext, kind: ReplicaKind, rs: ReplicaSet, pods: Pod[], allPods: Pod[]): Pod[] {
  const owner = controllerRefOf(rs);
  if (!owner) return pods;
  const siblings = new Set(
    ctx.listers.get<ReplicaSet>(kind.ref).namespace(rs.metadata.namespace ?? '').list()
      .filter((other) => controllerRefOf(other)?.uid === owner.uid)
      .map((other) => other.metadata.uid),
  );
  return allPods.filter((pod) => isPodActive(pod) && siblings.has(controllerRefOf(pod)?.uid));
}

/**
 * calculateStatus: counts over the claimed active pods, and the ReplicaFailure condition set
 * while creating or deleting fails (reason FailedCreate / FailedDelete) and removed once it works.
 * Fields Kubernetes omits when zero are left out.
 */
export function calculateStatus(rs: ReplicaSet, pods: Pod[], manageError: Error | undefined, now: number): ReplicaStatus {
  const templateLabels = Object.entries(rs.spec.template?.metadata?.labels ?? {});
  const minReady = rs.spec.minReadySeconds ?? 0;
  // One pass over the pods (a 10,000-replica set is counted on every pod event that wakes it).
  let fullyLabeled = 0;
  let ready = 0;
  let available = 0;
  for (const pod of pods) {
    if (hasLabels(pod, templateLabels)) fullyLabeled++;
    if (!isPodReady(pod)) continue;
    ready++;
    if (isPodAvailable(pod, minReady, now)) available++;
  }
  let conditions: Condition[] = cloneJson(rs.status?.conditions ?? []);
  const failure = conditions.find((c) => c.type === 'ReplicaFailure');
  if (manageError && !failure) {
    const reason = pods.length - specReplicas(rs) < 0 ? 'FailedCreate' : 'FailedDelete';
    conditions.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: nowTimestamp(new Date(now)), reason, message: manageError.message });
  } else if (!manageError && failure) {
    conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
  }
  const status: ReplicaStatus = { replicas: pods.length };
  if (fullyLabeled) status.fullyLabeledReplicas = fullyLabeled;
  if (ready) status.readyReplicas = ready;
  if (available) status.availableReplicas = available;
  if (rs.status?.observedGeneration !== undefined) status.observedGeneration = rs.status.observedGeneration;
  if (conditions.length) status.conditions = conditions;
  return status;
}

function hasLabels(pod: Pod, pairs: readonly [string, string][]): boolean {
  const labels = pod.metadata.labels;
  for (const [k, v] of pairs) if (labels?.[k] !== v) return false;
  return true;
}

/**
 * updateReplicaSetStatus: writes the status (with observedGeneration = generation) unless nothing
 * changed; on a conflict it re-reads the object once and tries again, as Kubernetes does.
 */
async function writeStatus(ctx: ReconcileContext, kind: ReplicaKind, rs: ReplicaSet, status: ReplicaStatus): Promise<void> {
  const generation = rs.metadata.generation;
  const next: ReplicaStatus = { ...status };
  if (generation !== undefined) next.observedGeneration = generation;
  if (jsonEqual(normalize(rs.status), normalize(next))) return;
  const copy = { ...cloneJson(rs), status: next };
  try {
    await ctx.client.updateStatus(kind.ref, copy);
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const fresh = await ctx.client.get<ReplicaSet>(kind.ref, rs.metadata.namespace, rs.metadata.name!);
    await ctx.client.updateStatus(kind.ref, { ...fresh, status: { ...next, observedGeneration: generation } });
  }
}

/** Zero counts and absent ones are the same status (Go's omitempty). */
function normalize(status: ReplicaStatus | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(status ?? {})) {
    if (v === 0 && k !== 'replicas') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  out.replicas ??= 0;
  return out;
}
