/**
 * One reconcile of one Deployment: a working copy of the Deployment and the writes the rollout
 * steps share (pkg/controller/deployment/sync.go): finding or creating the new ReplicaSet with
 * its revision, scaling a ReplicaSet with its replica annotations and ScalingReplicaSet event,
 * and writing the Deployment's status.
 */
import type { StatusError } from '../api/errors.ts';
import { cloneJson } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { LabelSelectorSpec } from '../api/selectors/labels.ts';
import type { ReconcileContext } from '../machinery/controller.ts';
import type { EventType } from '../machinery/event-recorder.ts';
import { controllerRefOf, newControllerRef } from './controller-ref.ts';
import { getCondition, hasProgressDeadline, newCondition, omitEmpty, REASONS, setCondition } from './deployment-status.ts';
import {
  computeHash, equalIgnoreHash, findNewReplicaSet, maxRevision, maxSurge, newRSNewReplicas, POD_TEMPLATE_HASH_LABEL,
  replicasAnnotationsNeedUpdate, REVISION_ANNOTATION, setNewReplicaSetAnnotations, setReplicasAnnotations,
} from './deployment-util.ts';
import { REPLICASETS } from './replicaset.ts';
import { specReplicas, type Deployment, type ReplicaSet } from './workload-types.ts';


/** The deployments resource. */
export const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;

/** The new ReplicaSet (if any) and the others. */
export interface ReplicaSetsByRole {
  newRS: ReplicaSet | undefined;
  oldRSs: ReplicaSet[];
}

/**
 * The working state of one sync. `d` is a private copy of the cached Deployment: steps change its
 * status and revision annotation and `updateStatus` writes them.
 */
export class DeploymentSync {
  readonly d: Deployment;
  private persistedRevision: string | undefined;
  /** ReplicaSets as this sync last wrote them, by uid: later steps must not write from the stale cached copy. */
  private readonly written = new Map<string, ReplicaSet>();

  constructor(readonly ctx: ReconcileContext, cached: Deployment) {
    this.d = cloneJson(cached);
    this.d.status ??= {};
    this.persistedRevision = cached.metadata.annotations?.[REVISION_ANNOTATION];
  }

  /** Records an Event on the Deployment. */
  event(type: EventType, reason: string, message: string): void {
    this.ctx.recorder.event({ ...this.d, apiVersion: 'apps/v1', kind: 'Deployment' }, type, reason, message);
  }

  /**
   * Writes the working status (UpdateStatus). Kubernetes' status strategy also persists the
   * revision annotation written alongside; skiff's status subresource keeps only `status`, so a
   * changed revision annotation is first written by a merge patch pinned to the resourceVersion.
   */
  async updateStatus(): Promise<void> {
    const { namespace, name } = this.d.metadata;
    const revision = this.d.metadata.annotations?.[REVISION_ANNOTATION];
    if (revision !== undefined && revision !== this.persistedRevision) {
      const patch = { metadata: { annotations: { [REVISION_ANNOTATION]: revision }, resourceVersion: this.d.metadata.resourceVersion } };
      const patched = await this.ctx.client.patch<Deployment>(DEPLOYMENTS, namespace, name!, patch, { type: 'merge' });
      this.d.metadata.resourceVersion = patched.metadata.resourceVersion;
      this.persistedRevision = revision;
    }
    const written = await this.ctx.client.updateStatus<Deployment>(DEPLOYMENTS, { ...this.d, status: omitEmpty(this.d.status) });
    this.d.metadata.resourceVersion = written.metadata.resourceVersion;
  }

  /** Sets the Deployment's revision annotation; returns whether it changed (SetDeploymentRevision). */
  setRevision(revision: string): boolean {
    const annotations = (this.d.metadata.annotations ??= {});
    if (annotations[REVISION_ANNOTATION] === revision) return false;
    annotations[REVISION_ANNOTATION] = revision;
    return true;
  }

  /**
   * getAllReplicaSetsAndSyncRevision: splits the owned ReplicaSets into the new one (running the
   * current template) and the old ones, bringing the new one's revision and annotations up to
   * date; with `create`, a missing new ReplicaSet is created.
   */
  async replicaSets(cachedList: ReplicaSet[], create: boolean): Promise<ReplicaSetsByRole> {
    const rsList = cachedList.map((rs) => this.written.get(rs.metadata.uid ?? '') ?? rs);
    const existing = findNewReplicaSet(this.d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRS = await this.newReplicaSet(existing, oldRSs, create);
    return { newRS, oldRSs };
  }

  private async newReplicaSet(existing: ReplicaSet | undefined, oldRSs: ReplicaSet[], create: boolean): Promise<ReplicaSet | undefined> {
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) return this.syncExistingNewRS(existing, newRevision);
    if (!create) return undefined;
    return this.createNewRS(oldRSs, newRevision);
  }

  /** An existing new ReplicaSet: revision, copied annotations and minReadySeconds follow the Deployment. */
  private async syncExistingNewRS(existing: ReplicaSet, newRevision: number): Promise<ReplicaSet> {
    const d = this.d;
    const copy = cloneJson(existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReadyChanged = (copy.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
    let rs = existing;
    if (annotationsUpdated || minReadyChanged) {
      copy.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
      rs = await this.updateReplicaSet(copy);
    }
    let needsUpdate = this.setRevision(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? '');
    if (hasProgressDeadline(d) && !getCondition(d.status, 'Progressing')) {
      setCondition(d.status!, newCondition('Progressing', 'True', REASONS.foundNewReplicaSet, `Found new replica set "${rs.metadata.name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus();
    return rs;
  }

  /**
   * Creates the ReplicaSet for the current template: name `<deployment>-<hash>`, the hash as
   * pod-template-hash label on it, its template and its selector, sized by NewRSNewReplicas. A name
   * taken by another template is a hash collision: collisionCount is bumped and the sync retried.
   */
  private async createNewRS(oldRSs: ReplicaSet[], newRevision: number): Promise<ReplicaSet> {
    const d = this.d;
    const hash = computeHash(d.spec.template, d.status?.collisionCount);
    const template = cloneJson(d.spec.template ?? {});
    template.metadata ??= {};
    template.metadata.labels = { ...template.metadata.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = cloneJson(d.spec.selector ?? {}) as LabelSelectorSpec;
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: ReplicaSet;
    let alreadyExisted = false;
    try {
      created = await this.ctx.client.create<ReplicaSet>(REPLICASETS, rs);
    } catch (err) {
      if ((err as StatusError).reason === 'AlreadyExists') {
        created = await this.adoptExistingOrCollide(rs.metadata.name!, err as Error);
        alreadyExisted = true;
      } else {
        await this.failedCreate(rs.metadata.name!, err as Error);
        throw err;
      }
    }
    if (!alreadyExisted && replicas > 0) this.event('Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} to ${replicas} from 0`);
    let needsUpdate = this.setRevision(String(newRevision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      setCondition(d.status!, newCondition('Progressing', 'True', REASONS.newReplicaSet, `Created new replica set "${created.metadata.name}"`));
      needsUpdate = true;
    }
    if (needsUpdate) await this.updateStatus();
    return created;
  }

  /** The name exists: ours with the same template (a slow cache), or a collision (bump and retry). */
  private async adoptExistingOrCollide(name: string, err: Error): Promise<ReplicaSet> {
    const d = this.d;
    const live = await this.ctx.client.get<ReplicaSet>(REPLICASETS, d.metadata.namespace, name);
    if (controllerRefOf(live)?.uid === d.metadata.uid && equalIgnoreHash(d.spec.template, live.spec.template)) return live;
    d.status!.collisionCount = (d.status!.collisionCount ?? 0) + 1;
    await this.updateStatus().catch(() => undefined);
    throw err;
  }

  /** ReplicaSetCreateError: Progressing False and a Warning event with Kubernetes' message. */
  private async failedCreate(name: string, err: Error): Promise<void> {
    const msg = `Failed to create new replica set "${name}": ${err.message}`;
    if (hasProgressDeadline(this.d)) {
      setCondition(this.d.status!, newCondition('Progressing', 'False', REASONS.failedRSCreate, msg));
      await this.updateStatus().catch(() => undefined);
    }
    this.event('Warning', REASONS.failedRSCreate, msg);
  }

  private async updateReplicaSet(rs: ReplicaSet): Promise<ReplicaSet> {
    const updated = await this.ctx.client.update<ReplicaSet>(REPLICASETS, rs);
    this.written.set(updated.metadata.uid ?? '', updated);
    return updated;
  }

  /** scaleReplicaSetAndRecordEvent: scales when the size differs; returns whether it scaled and the RS as stored. */
  async scaleAndRecord(rs: ReplicaSet, newScale: number): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    if (specReplicas(rs) === newScale) return { scaled: false, rs };
    return this.scale(rs, newScale, specReplicas(rs) > newScale ? 'down' : 'up');
  }

  /**
   * scaleReplicaSet: sets spec.replicas and the desired-/max-replicas annotations when either is
   * out of date; a size change records ScalingReplicaSet "Scaled up replica set NAME to N from M".
   */
  async scale(rs: ReplicaSet, newScale: number, operation: 'up' | 'down'): Promise<{ scaled: boolean; rs: ReplicaSet }> {
    const d = this.d;
    const oldScale = specReplicas(rs);
    const sizeNeedsUpdate = oldScale !== newScale;
    const desired = specReplicas(d);
    const max = desired + maxSurge(d);
    if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(rs, desired, max)) return { scaled: false, rs };
    const copy = cloneJson(rs);
    copy.spec.replicas = newScale;
    setReplicasAnnotations(copy, desired, max);
    const updated = await this.updateReplicaSet(copy);
    if (sizeNeedsUpdate) this.event('Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} to ${newScale} from ${oldScale}`);
    return { scaled: sizeNeedsUpdate, rs: updated };
  }
}
