/**
 * The `pods/eviction` subresource (Kubernetes' EvictionREST, pkg/registry/core/pod/storage/
 * eviction.go): POSTing a policy/v1 Eviction deletes the pod only if the PodDisruptionBudget
 * covering it allows one more disruption, which it records in the PDB's status first. Importing
 * this module registers the handler with the resource router.
 */
import { StatusError, badRequest, conflict, methodNotAllowed } from '../../api/errors.ts';
import { cloneJson, nowTimestamp, type KubeObject } from '../../api/object.ts';
import { matchesLabels, selectorFromLabelSelector, type LabelSelectorSpec } from '../../api/selectors/labels.ts';
import type { HandlerContext } from '../handlers/context.ts';
import { readJsonBody } from '../handlers/decode.ts';
import { deleteOptions } from '../handlers/write-options.ts';
import { sendJson } from '../http.ts';
import { registerSubresource } from '../resource-handler.ts';
import type { DeleteOptions, ResourceStore } from './resource-store.ts';

/** More in-flight evictions than this and the PDB refuses more (MaxDisruptedPodSize). */
const MAX_DISRUPTED_PODS = 2000;
/** Attempts at a write that lost a race (EvictionsRetry has 20 steps). */
const RETRIES = 20;

interface PodLike extends KubeObject {
  status?: { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastProbeTime?: string | null }[] };
}

interface Pdb extends KubeObject {
  spec?: { selector?: LabelSelectorSpec | null; unhealthyPodEvictionPolicy?: string };
  status?: { observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number; desiredHealthy?: number; disruptedPods?: Record<string, string>; conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }[] };
}

/** 429 while the PDB controller has not caught up with the PDB (createTooManyRequestsError). */
function stillProcessing(ctx: HandlerContext, pdbName: string): StatusError {
  // The Status carries retryAfterSeconds 10, which Kubernetes also sends as Retry-After.
  if (!ctx.res.headersSent) ctx.res.setHeader('Retry-After', '10');
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    retryAfterSeconds: 10,
    causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdbName} is still being processed by the server.` }],
  });
}

/** 429 when the budget allows no disruption now; `kubectl drain` retries on it. */
function budgetExhausted(pdb: Pdb): StatusError {
  const status = pdb.status ?? {};
  return new StatusError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
    causes: [{ reason: 'DisruptionBudget', message: `The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently` }],
  });
}

function forbidden(pdbName: string, why: string): StatusError {
  return new StatusError(403, 'Forbidden', `poddisruptionbudget.policy "${pdbName}" is forbidden: ${why}`, { name: pdbName, group: 'policy', kind: 'poddisruptionbudget' });
}

/** Pods the PDB need not be asked about (canIgnorePDB): terminal, pending, or already being deleted. */
function canIgnorePdb(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || Boolean(pod.metadata.deletionTimestamp);
}

/** Whether the delete must be pinned to the pod version we looked at (shouldEnforceResourceVersion). */
function shouldEnforceResourceVersion(pod: PodLike): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata.deletionTimestamp);
}

function isReady(pod: PodLike): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The PDBs of the pod's namespace selecting it (getPodDisruptionBudgets); a missing selector selects nothing. */
function pdbsFor(pdbStore: ResourceStore | undefined, pod: PodLike): Pdb[] {
  if (!pdbStore) return [];
  return (pdbStore.peekAll() as Pdb[]).filter((pdb) => {
    if (pdb.metadata.namespace !== pod.metadata.namespace) return false;
    try {
      return matchesLabels(selectorFromLabelSelector(pdb.spec?.selector ?? undefined), pod.metadata.labels);
    } catch {
      return false; // an invalid selector matches no pod
    }
  });
}

/**
 * Marks the pod DisruptionTarget (reason EvictionByEvictionAPI) and deletes it
 * (addConditionAndDeletePod). A resourceVersion precondition applies to the condition write and
 * then moves to the version that write produced.
 */
async function markAndDelete(ctx: HandlerContext, pods: ResourceStore, name: string, options: DeleteOptions): Promise<void> {
  const ns = ctx.request.namespace;
  let opts = options;
  if (!options.dryRun) {
    const result = await pods.update(
      ns,
      name,
      (current) => {
        const pod = current as PodLike;
        const pre = options.preconditions;
        if (pre?.uid && pre.uid !== pod.metadata.uid) throw conflict('pods', '', name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${pod.metadata.uid}`);
        if (pre?.resourceVersion && pre.resourceVersion !== pod.metadata.resourceVersion) throw conflict('pods', '', name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${pod.metadata.resourceVersion}`);
        const status = (pod.status ??= {});
        const conditions = status.conditions ?? [];
        const old = conditions.find((c) => c.type === 'DisruptionTarget');
        const next = { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', lastProbeTime: null, lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : nowTimestamp() };
        status.conditions = [...conditions.filter((c) => c.type !== 'DisruptionTarget'), next];
        delete pod.metadata.resourceVersion; // the precondition was checked above
        return pod;
      },
      { dryRun: false, fieldManager: 'kube-apiserver', subresource: 'status' },
    );
    if (options.preconditions?.resourceVersion) opts = { ...options, preconditions: { ...options.preconditions, resourceVersion: result.object.metadata.resourceVersion } };
  }
  await pods.delete(ns, name, opts);
}

function withResourceVersion(options: DeleteOptions, resourceVersion: string | undefined): DeleteOptions {
  return { ...options, preconditions: { ...options.preconditions, resourceVersion } };
}

function isConflict(err: unknown): boolean {
  return err instanceof StatusError && err.code === 409;
}

/**
 * Verifies the PDB allows a disruption and takes it (checkAndDecrement): decrements
 * disruptionsAllowed and records the pod in disruptedPods, written with the PDB's
 * resourceVersion so a concurrent writer makes us re-read and check again.
 */
async function checkAndDecrement(ctx: HandlerContext, pdbs: ResourceStore, first: Pdb, podName: string, dryRun: boolean): Promise<void> {
  let pdb = first;
  for (let attempt = 0; ; attempt++) {
    const status = pdb.status ?? {};
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw stillProcessing(ctx, pdb.metadata.name!);
    const allowed = status.disruptionsAllowed ?? 0;
    if (allowed < 0) throw forbidden(pdb.metadata.name!, 'pdb disruptions allowed is negative');
    if (Object.keys(status.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw forbidden(pdb.metadata.name!, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (allowed === 0) throw budgetExhausted(pdb);
    if (dryRun) return;
    const next = cloneJson(pdb);
    const nextStatus = (next.status ??= {});
    nextStatus.disruptionsAllowed = allowed - 1;
    if (nextStatus.disruptionsAllowed === 0) {
      // The budget is used up: the condition flips now, not when the controller next syncs.
      const others = (nextStatus.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed');
      nextStatus.conditions = [...others, { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', observedGeneration: nextStatus.observedGeneration, lastTransitionTime: nowTimestamp() }];
    }
    nextStatus.disruptedPods = { ...nextStatus.disruptedPods, [podName]: nowTimestamp() };
    try {
      await pdbs.update(pdb.metadata.namespace, pdb.metadata.name!, () => next, { dryRun: false, fieldManager: 'kube-apiserver', subresource: 'status' });
      return;
    } catch (err) {
      if (!isConflict(err) || attempt >= RETRIES) throw err;
      pdb = (await pdbs.get(pdb.metadata.namespace, pdb.metadata.name!)).object as Pdb;
    }
  }
}

async function readEviction(ctx: HandlerContext): Promise<{ options: DeleteOptions }> {
  const body = (await readJsonBody(ctx)) as { metadata?: { name?: string; namespace?: string }; deleteOptions?: Record<string, unknown> | null } | null;
  if (body?.metadata?.name !== ctx.request.name) throw badRequest('name in URL does not match name in Eviction object');
  if (body?.metadata?.namespace && body.metadata.namespace !== ctx.request.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  return { options: deleteOptions(ctx, body?.deleteOptions ?? undefined) };
}

/** Deletes a pod no budget needs to be asked about, pinned to the version seen (retried on conflict). */
async function evictIgnoringPdb(ctx: HandlerContext, pods: ResourceStore, options: DeleteOptions): Promise<boolean> {
  const name = ctx.request.name!;
  const pinned = Boolean(options.preconditions?.resourceVersion);
  for (let attempt = 0; ; attempt++) {
    const pod = (await pods.get(ctx.request.namespace, name)).object as PodLike;
    if (!canIgnorePdb(pod)) return false;
    const opts = shouldEnforceResourceVersion(pod) && !pinned ? withResourceVersion(options, pod.metadata.resourceVersion) : options;
    try {
      await markAndDelete(ctx, pods, name, opts);
      return true;
    } catch (err) {
      // A caller-given resourceVersion is never retried; our own pin is.
      if (!isConflict(err) || pinned || attempt >= RETRIES) throw err;
    }
  }
}

function success(ctx: HandlerContext): void {
  sendJson(ctx.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}

/**
 * POST pods/NAME/eviction. Terminal, pending and terminating pods are deleted at once; a pod
 * under more than one PDB gets a 500 Status; an unready pod is deleted without spending budget
 * when the policy is AlwaysAllow or the budget is currently met (IfHealthyBudget, the default);
 * otherwise one disruption is taken from the PDB (429 TooManyRequests when none is left) and the
 * pod deleted. Success answers 201 with a Status.
 */
export async function handleEviction(ctx: HandlerContext): Promise<void> {
  if (ctx.request.verb !== 'create') throw methodNotAllowed();
  const { options } = await readEviction(ctx);
  const pods = ctx.stores.byResource('', 'pods')!;
  const pdbStore = ctx.stores.byResource('policy', 'poddisruptionbudgets');
  if (await evictIgnoringPdb(ctx, pods, options)) return success(ctx);
  const pod = (await pods.get(ctx.request.namespace, ctx.request.name!)).object as PodLike;
  const matching = pdbsFor(pdbStore, pod);
  if (matching.length > 1) {
    sendJson(ctx.res, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
    return;
  }
  let pinToPod = false;
  if (matching.length === 1) {
    const pdb = matching[0];
    const status = pdb.status ?? {};
    const healthyBudgetMet = (status.currentHealthy ?? 0) >= (status.desiredHealthy ?? 0) && (status.desiredHealthy ?? 0) > 0;
    // An unready pod does not count as healthy: deleting it spends no budget when the policy allows.
    if (!isReady(pod) && (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow' || healthyBudgetMet)) pinToPod = true;
    else await checkAndDecrement(ctx, pdbStore!, pdb, pod.metadata.name!, options.dryRun);
  }
  const opts = pinToPod ? withResourceVersion(options, pod.metadata.resourceVersion) : options;
  try {
    await markAndDelete(ctx, pods, pod.metadata.name!, opts);
  } catch (err) {
    // The unready pod changed (maybe became ready) since we looked: ask the client to retry.
    if (isConflict(err) && pinToPod && !options.preconditions?.resourceVersion) throw stillProcessing(ctx, matching[0].metadata.name!);
    throw err;
  }
  success(ctx);
}

registerSubresource('pods', 'eviction', handleEviction);
