/**
 * The TTL-after-finished controller (kube-controller-manager's `ttl-after-finished`,
 * pkg/controller/ttlafterfinished): a Job with `spec.ttlSecondsAfterFinished` is deleted that many
 * seconds after it finished (its Complete or Failed condition's lastTransitionTime).
 */
import { splitKey } from '../machinery/indexer.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { ignoreCodes } from './object-patches.ts';
import { finishTime, JOBS, type Job } from './job-types.ts';

/** Options of the TTL controller. */
export interface TtlControllerOptions {
  /** The clock (tests fake it). */
  now?: () => number;
}

/**
 * Milliseconds until the Job's TTL expires (<= 0: expired), or undefined when it has no TTL, has
 * not finished, or is already being deleted (needsCleanup / timeLeft).
 */
export function msUntilExpiry(job: Job, now: number): number | undefined {
  const ttl = job.spec.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata.deletionTimestamp) return undefined;
  const finished = finishTime(job);
  if (finished === undefined) return undefined;
  return finished + ttl * 1000 - now;
}

/** A new TTL-after-finished controller. */
export function ttlAfterFinishedController(opts: TtlControllerOptions = {}): Controller {
  const now = opts.now ?? Date.now;
  return {
    name: 'ttl-after-finished',
    watches: [{ resource: JOBS }],
    reconcile: (ctx, key) => processJob(ctx, key, now),
  };
}

/**
 * processJob: requeues until the TTL expires; then re-reads the Job live (the TTL or the Job may
 * have changed) and, if still expired, deletes it with propagationPolicy Foreground and a uid
 * precondition, as Kubernetes does, so its pods go before it.
 */
async function processJob(ctx: ReconcileContext, key: string, now: () => number): Promise<void | ReconcileResult> {
  const { namespace, name } = splitKey(key);
  const cached = ctx.listers.get<Job>(JOBS).get(namespace, name);
  if (!cached) return;
  const left = msUntilExpiry(cached, now());
  if (left === undefined) return;
  if (left > 0) return { requeueAfterMs: left };
  const fresh = await ignoreCodes(ctx.client.get<Job>(JOBS, namespace, name));
  if (!fresh) return;
  const freshLeft = msUntilExpiry(fresh, now());
  if (freshLeft === undefined) return;
  if (freshLeft > 0) return { requeueAfterMs: freshLeft };
  ctx.log('cleaning up Job', { key });
  await ignoreCodes(ctx.client.delete(JOBS, namespace, name, { propagationPolicy: 'Foreground', preconditions: { uid: fresh.metadata.uid } }));
}
