/**
 * The disruption controller (kube-controller-manager's `disruption`): keeps each
 * PodDisruptionBudget's status (currentHealthy, desiredHealthy, expectedPods, disruptionsAllowed,
 * disruptedPods, the DisruptionAllowed condition) in step with the pods its selector matches and
 * the scale of the controllers owning them. The eviction subresource reads that status.
 */
import { cloneJson, jsonEqual, nowTimestamp, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import { matchesLabels, selectorFromLabelSelector, type LabelSelector } from '../api/selectors/labels.ts';
import { splitKey } from '../machinery/indexer.ts';
import type { Controller, Listers, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { controllerRefOf } from './controller-ref.ts';
import { computeStatus, countHealthy, expectedCounts, pendingDisruptions, type PdbStatus, type PodDisruptionBudget } from './disruption-math.ts';
import { PODS } from './pod-control.ts';
import type { OwnerReference, Pod } from './workload-types.ts';

/** The poddisruptionbudgets resource (policy/v1). */
export const PDBS = findResource('policy', 'v1', 'poddisruptionbudgets')!;
const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
const STATEFULSETS = findResource('apps', 'v1', 'statefulsets')!;
const RCS = findResource('', 'v1', 'replicationcontrollers')!;

type Scaled = KubeObject & { spec?: { replicas?: number } };

/**
 * The selector of a PDB (metav1.LabelSelectorAsSelector): a missing selector matches nothing,
 * an empty one every pod of the namespace (policy/v1 semantics). A malformed one matches nothing.
 */
export function pdbSelector(pdb: PodDisruptionBudget): LabelSelector {
  try {
    return selectorFromLabelSelector(pdb.spec?.selector ?? undefined);
  } catch {
    return { requirements: [], nothing: true };
  }
}

/** The pods of the PDB's namespace its selector matches (getPodsForPdb). */
export function podsForPdb(listers: Listers, pdb: PodDisruptionBudget): Pod[] {
  const selector = pdbSelector(pdb);
  return listers.get<Pod>(PODS).namespace(pdb.metadata.namespace!).list((labels) => matchesLabels(selector, labels));
}

/**
 * The controller owning a pod and its scale (getScaleController's finders): a ReplicaSet owned by
 * a Deployment counts as the Deployment; ReplicaSets, ReplicationControllers and StatefulSets
 * count themselves. Unknown or vanished owners give none.
 */
function scaleOf(listers: Listers, namespace: string, ref: OwnerReference): { uid: string; scale: number } | undefined {
  const lookup = (resource: typeof DEPLOYMENTS, name: string): Scaled | undefined => listers.get<Scaled>(resource).namespace(namespace).get(name);
  const found = (obj: Scaled | undefined, uid: string): { uid: string; scale: number } | undefined =>
    obj && obj.metadata.uid === uid ? { uid, scale: obj.spec?.replicas ?? 1 } : undefined;
  if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/')) {
    const rs = lookup(REPLICASETS, ref.name);
    if (!rs || rs.metadata.uid !== ref.uid) return undefined;
    const owner = controllerRefOf(rs);
    if (owner?.kind === 'Deployment') return found(lookup(DEPLOYMENTS, owner.name), owner.uid);
    return found(rs, ref.uid);
  }
  if (ref.kind === 'ReplicationController' && ref.apiVersion === 'v1') return found(lookup(RCS, ref.name), ref.uid);
  if (ref.kind === 'StatefulSet' && ref.apiVersion.startsWith('apps/')) return found(lookup(STATEFULSETS, ref.name), ref.uid);
  if (ref.kind === 'Deployment' && ref.apiVersion.startsWith('apps/')) return found(lookup(DEPLOYMENTS, ref.name), ref.uid);
  return undefined;
}

/**
 * The sum of the scales of the controllers owning the pods, each counted once (getExpectedScale),
 * and the pods no controller owns.
 */
export function expectedScale(listers: Listers, pods: Pod[]): { scale: number; unmanaged: string[] } {
  const seenRefs = new Set<string>();
  const counted = new Set<string>();
  const unmanaged: string[] = [];
  let scale = 0;
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata.name!);
      continue;
    }
    // Siblings share the controller: look it up once.
    if (seenRefs.has(ref.uid)) continue;
    seenRefs.add(ref.uid);
    const owner = scaleOf(listers, pod.metadata.namespace!, ref);
    if (owner && !counted.has(owner.uid)) {
      counted.add(owner.uid);
      scale += owner.scale;
    }
  }
  return { scale, unmanaged };
}

function unmanagedMessage(pdb: PodDisruptionBudget): string {
  return `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? null)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`;
}

/** Whether the stored status already says what we computed (updatePdbStatus' no-op check). */
function statusUpToDate(old: Partial<PdbStatus> | undefined, next: PdbStatus): boolean {
  const strip = (s: Partial<PdbStatus> | undefined) => ({ ...s, disruptedPods: s?.disruptedPods && Object.keys(s.disruptedPods).length > 0 ? s.disruptedPods : undefined });
  return jsonEqual(strip(old), strip(next));
}

/** Syncs one PDB; answers when to look again (the earliest in-flight eviction's timeout). */
async function syncPdb(ctx: ReconcileContext, pdb: PodDisruptionBudget, now: number): Promise<ReconcileResult | void> {
  const pods = podsForPdb(ctx.listers, pdb);
  if (pods.length === 0) ctx.recorder.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
  let unmanaged: string[] = [];
  const counts = expectedCounts(pdb, pods.length, () => {
    const result = expectedScale(ctx.listers, pods);
    unmanaged = result.unmanaged;
    return result.scale;
  });
  if (unmanaged.length > 0) ctx.recorder.event(pdb, 'Warning', 'UnmanagedPods', unmanagedMessage(pdb));
  const { disrupted, expired, recheckAt } = pendingDisruptions(pods, pdb.status?.disruptedPods, now);
  for (const pod of expired) ctx.recorder.event(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`);
  const currentHealthy = countHealthy(pods, disrupted, now);
  const status = computeStatus({ currentHealthy, desiredHealthy: counts.desiredHealthy, expectedCount: counts.expectedCount }, disrupted, pdb.metadata.generation, pdb.status?.conditions, nowTimestamp(new Date(now)));
  if (!statusUpToDate(pdb.status, status)) {
    const next = cloneJson(pdb);
    next.status = status;
    await ctx.client.updateStatus(PDBS, next);
  }
  if (recheckAt !== undefined) return { requeueAfterMs: Math.max(0, recheckAt - now) };
}

/**
 * Which PDBs a pod wakes: those of its namespace whose selector matches its labels. The PDBs are
 * remembered from their own events (the mapper has no listers) and forgotten when reconcile
 * finds them gone.
 */
class PdbIndex {
  private readonly byNamespace = new Map<string, Map<string, LabelSelector>>();

  remember(pdb: PodDisruptionBudget): void {
    const ns = pdb.metadata.namespace ?? '';
    const known = this.byNamespace.get(ns) ?? new Map<string, LabelSelector>();
    known.set(pdb.metadata.name!, pdbSelector(pdb));
    this.byNamespace.set(ns, known);
  }

  forget(namespace: string, name: string): void {
    this.byNamespace.get(namespace)?.delete(name);
  }

  keysFor(pod: KubeObject): string[] {
    const ns = pod.metadata.namespace ?? '';
    const keys: string[] = [];
    for (const [name, selector] of this.byNamespace.get(ns) ?? []) {
      if (matchesLabels(selector, pod.metadata.labels)) keys.push(`${ns}/${name}`);
    }
    return keys;
  }
}

/** Options for tests: a fixed clock. */
export interface DisruptionOptions {
  now?: () => number;
}

/**
 * A new disruption controller. It watches PDBs and pods (a pod event wakes the PDBs selecting it)
 * and caches the scalable workloads for their replica counts; a PDB with evictions in flight is
 * looked at again when the earliest of them times out.
 */
export function disruptionController(opts: DisruptionOptions = {}): Controller {
  const index = new PdbIndex();
  const now = opts.now ?? Date.now;
  return {
    name: 'disruption',
    watches: [
      {
        resource: PDBS,
        map: (obj) => {
          index.remember(obj as PodDisruptionBudget);
          return [`${obj.metadata.namespace}/${obj.metadata.name}`];
        },
      },
      { resource: PODS, map: (obj) => index.keysFor(obj) },
      { resource: DEPLOYMENTS, map: 'none' },
      { resource: REPLICASETS, map: 'none' },
      { resource: STATEFULSETS, map: 'none' },
      { resource: RCS, map: 'none' },
    ],
    async reconcile(ctx, key) {
      const { namespace, name } = splitKey(key);
      const pdb = ctx.listers.get<PodDisruptionBudget>(PDBS).namespace(namespace).get(name);
      if (!pdb) {
        index.forget(namespace, name);
        return;
      }
      index.remember(pdb);
      try {
        return await syncPdb(ctx, pdb, now());
      } catch (err) {
        // A 404 means the PDB went away meanwhile; its delete event cleans up.
        if ((err as { code?: number }).code === 404) return;
        throw err;
      }
    },
  };
}
