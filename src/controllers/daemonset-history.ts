/**
 * A DaemonSet's ControllerRevisions (pkg/controller/daemon update.go constructHistory,
 * snapshot, dedupCurHistories, cleanupHistory). Unlike a StatefulSet's, a DaemonSet revision is
 * named `<ds>-<pod-template hash>` and carries that hash in the controller-revision-hash label,
 * which its pods carry too.
 */
import { cloneJson } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { ReconcileContext } from '../machinery/controller.ts';
import { newControllerRef } from './controller-ref.ts';
import { canonicalJson, byRevisionNumber, CONTROLLER_REVISIONS, POD_REVISION_LABEL, templatePatch } from './controller-revision.ts';
import { computeHash } from './deployment-util.ts';
import { PODS } from './pod-control.ts';
import type { ControllerRevision, DaemonSet } from './set-types.ts';
import type { Pod } from './workload-types.ts';

/** The daemonsets resource. */
export const DAEMONSETS = findResource('apps', 'v1', 'daemonsets')!;

/** Whether the revision holds the DaemonSet's current template (Match). */
export function matchesTemplate(ds: DaemonSet, revision: ControllerRevision): boolean {
  return canonicalJson(templatePatch(ds.spec.template)) === canonicalJson(revision.data);
}

/**
 * constructHistory: splits the set's revisions into the current one and old ones, creating the
 * current revision when none matches (numbered above every old one), keeping only the newest of
 * several matching ones, and renumbering the current revision above the old ones.
 */
export async function constructHistory(ctx: ReconcileContext, ds: DaemonSet, revisions: ControllerRevision[], pods: Pod[]): Promise<{ cur: ControllerRevision; old: ControllerRevision[] }> {
  const current = revisions.filter((r) => matchesTemplate(ds, r));
  const old = revisions.filter((r) => !matchesTemplate(ds, r));
  const next = Math.max(0, ...old.map((r) => r.revision)) + 1;
  if (current.length === 0) return { cur: await snapshot(ctx, ds, next), old };
  let cur = await dedup(ctx, ds, current, pods);
  if (cur.revision < next) cur = await ctx.client.update<ControllerRevision>(CONTROLLER_REVISIONS, { ...cloneJson(cur), revision: next });
  return { cur, old };
}

/** dedupCurHistories: keeps the highest-numbered duplicate, relabels pods of the others to it, deletes the others. */
async function dedup(ctx: ReconcileContext, ds: DaemonSet, current: ControllerRevision[], pods: Pod[]): Promise<ControllerRevision> {
  if (current.length === 1) return current[0];
  const sorted = [...current].sort(byRevisionNumber);
  const keep = sorted[sorted.length - 1];
  const keepHash = keep.metadata.labels?.[POD_REVISION_LABEL] ?? '';
  for (const dup of sorted.slice(0, -1)) {
    const dupHash = dup.metadata.labels?.[POD_REVISION_LABEL];
    for (const pod of pods.filter((p) => p.metadata.labels?.[POD_REVISION_LABEL] === dupHash)) {
      await ctx.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { metadata: { labels: { [POD_REVISION_LABEL]: keepHash } } }, { type: 'merge' });
    }
    await ctx.client.delete(CONTROLLER_REVISIONS, dup.metadata.namespace, dup.metadata.name!);
  }
  return keep;
}

/**
 * snapshot: creates `<ds>-<hash>`. A name taken by a revision with another template is a hash
 * collision: status.collisionCount is bumped (so the next sync hashes differently) and the sync fails.
 */
async function snapshot(ctx: ReconcileContext, ds: DaemonSet, revision: number): Promise<ControllerRevision> {
  const hash = computeHash(ds.spec.template, ds.status?.collisionCount);
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata.name}-${hash}`,
      namespace: ds.metadata.namespace,
      labels: { ...(ds.spec.template?.metadata?.labels ?? {}), [POD_REVISION_LABEL]: hash },
      ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')],
    },
    data: templatePatch(ds.spec.template),
    revision,
  };
  if (ds.metadata.annotations) cr.metadata.annotations = { ...ds.metadata.annotations };
  try {
    return await ctx.client.create<ControllerRevision>(CONTROLLER_REVISIONS, cr);
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const existing = await ctx.client.get<ControllerRevision>(CONTROLLER_REVISIONS, cr.metadata.namespace, cr.metadata.name!);
    if (matchesTemplate(ds, existing)) return existing;
    const fresh = await ctx.client.get<DaemonSet>(DAEMONSETS, ds.metadata.namespace, ds.metadata.name!);
    if ((fresh.status?.collisionCount ?? undefined) !== (ds.status?.collisionCount ?? undefined)) {
      throw new Error(`found a stale collision count (${ds.status?.collisionCount}, expected ${fresh.status?.collisionCount}) of DaemonSet "${ds.metadata.name}" while processing; will retry until it is updated`);
    }
    const status = { ...(fresh.status ?? { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }), collisionCount: (fresh.status?.collisionCount ?? 0) + 1 };
    await ctx.client.updateStatus(DAEMONSETS, { ...fresh, status });
    throw err;
  }
}

/** cleanupHistory: old revisions beyond revisionHistoryLimit whose hash no pod carries go, oldest first. */
export async function cleanupHistory(ctx: ReconcileContext, ds: DaemonSet, old: ControllerRevision[], pods: Pod[]): Promise<void> {
  let toKill = old.length - (ds.spec.revisionHistoryLimit ?? 10);
  if (toKill <= 0) return;
  const liveHashes = new Set(pods.map((p) => p.metadata.labels?.[POD_REVISION_LABEL]).filter(Boolean));
  for (const r of [...old].sort(byRevisionNumber)) {
    if (toKill <= 0) break;
    if (liveHashes.has(r.metadata.labels?.[POD_REVISION_LABEL])) continue;
    try {
      await ctx.client.delete(CONTROLLER_REVISIONS, r.metadata.namespace, r.metadata.name!);
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    toKill--;
  }
}
