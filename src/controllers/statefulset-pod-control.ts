/**
 * The writes of the StatefulSet controller (StatefulPodControl): creating a pod after its claims,
 * deleting and updating pods, keeping claim ownerReferences in line with the retention policy,
 * each with the Events Kubernetes records on the set ("create Pod web-0 in StatefulSet web
 * successful", "create Claim www-web-0 Pod web-0 in StatefulSet web success", ...).
 */
import { cloneJson, jsonEqual } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import type { EventRecorder } from '../machinery/event-recorder.ts';
import type { Lister } from '../machinery/lister.ts';
import { ignoreNotFound } from './controller-ref.ts';
import { PODS } from './pod-control.ts';
import { claimOwnerRefs, claimsFor, inOrdinalRange, ordinalOf, updateIdentity, updateStorage } from './statefulset-pods.ts';
import type { PersistentVolumeClaim, StatefulSet } from './set-types.ts';
import type { Pod } from './workload-types.ts';

/** The persistentvolumeclaims resource. */
export const PVCS = findResource('', 'v1', 'persistentvolumeclaims')!;

/** Cached objects may lack apiVersion/kind (list items): Events name the set explicitly. */
function eventTarget(set: StatefulSet): StatefulSet {
  return { ...set, apiVersion: 'apps/v1', kind: 'StatefulSet' };
}

function capitalized(verb: string): string {
  return verb[0].toUpperCase() + verb.slice(1);
}

/** Pod and claim writes for one StatefulSet, reading claims from the cache first. */
export class StatefulPodControl {
  constructor(
    private readonly client: KubeClient,
    private readonly recorder: EventRecorder,
    private readonly claims: Lister<PersistentVolumeClaim>,
  ) {}

  /**
   * CreateStatefulPod: the pod's missing claims first, then the pod. A pod that already exists
   * (the cache was behind) fails without an Event, as Kubernetes sinks AlreadyExists.
   */
  async createPod(set: StatefulSet, pod: Pod): Promise<void> {
    await this.createMissingClaims(set, pod);
    try {
      await this.client.create(PODS, pod);
    } catch (err) {
      if ((err as { code?: number }).code !== 409) this.podEvent('create', set, pod, err as Error);
      throw err;
    }
    this.podEvent('create', set, pod);
  }

  /** DeleteStatefulPod, with a uid precondition; a pod already gone counts as deleted. */
  async deletePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await ignoreNotFound(this.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } }));
    } catch (err) {
      this.podEvent('delete', set, pod, err as Error);
      throw err;
    }
    this.podEvent('delete', set, pod);
  }

  /** UpdateStatefulPod: restores identity and storage on a copy of the pod (creating missing claims) and writes it. */
  async updatePod(set: StatefulSet, cached: Pod): Promise<void> {
    const pod = cloneJson(cached);
    const ordinal = ordinalOf(pod);
    updateIdentity(set, pod, ordinal);
    updateStorage(set, pod, ordinal);
    await this.createMissingClaims(set, pod);
    try {
      await this.client.update(PODS, pod);
    } catch (err) {
      this.podEvent('update', set, pod, err as Error);
      throw err;
    }
    this.podEvent('update', set, pod);
  }

  /** createPersistentVolumeClaims: creates the pod's claims the cache does not have; a terminating one is an error. */
  async createMissingClaims(set: StatefulSet, pod: Pod): Promise<void> {
    const errors: Error[] = [];
    for (const claim of claimsFor(set, ordinalOf(pod)).values()) {
      const existing = this.claims.get(claim.metadata.namespace, claim.metadata.name!);
      if (existing) {
        if (existing.metadata.deletionTimestamp) errors.push(new Error(`pvc ${claim.metadata.name} is being deleted`));
        continue;
      }
      claim.metadata.ownerReferences = claimOwnerRefs(claim, set, pod, false);
      if (claim.metadata.ownerReferences.length === 0) delete claim.metadata.ownerReferences;
      try {
        await this.client.create(PVCS, claim);
        this.claimEvent(set, pod, claim);
      } catch (err) {
        if ((err as { code?: number }).code === 409) continue;
        this.claimEvent(set, pod, claim, err as Error);
        errors.push(err as Error);
      }
    }
    if (errors.length > 0) throw new Error(`failed to create PVC for pod ${pod.metadata.name}: ${errors.map((e) => e.message).join('; ')}`);
  }

  /**
   * UpdatePodClaimForRetentionPolicy: rewrites the ownerReferences of the pod's existing claims
   * where the retention policy wants others (a merge patch pinned to the claim's resourceVersion).
   */
  async fixClaimOwners(set: StatefulSet, pod: Pod): Promise<void> {
    const scaledDown = !inOrdinalRange(pod, set);
    for (const wanted of claimsFor(set, ordinalOf(pod)).values()) {
      const claim = this.claims.get(wanted.metadata.namespace, wanted.metadata.name!);
      if (!claim || claim.metadata.deletionTimestamp) continue;
      const refs = claimOwnerRefs(claim, set, pod, scaledDown);
      if (jsonEqual(refs, claim.metadata.ownerReferences ?? [])) continue;
      const patch = { metadata: { ownerReferences: refs, resourceVersion: claim.metadata.resourceVersion } };
      await ignoreNotFound(this.client.patch(PVCS, claim.metadata.namespace, claim.metadata.name!, patch, { type: 'merge' }));
    }
  }

  /** Whether the pod's claims already match the retention policy (ClaimsMatchRetentionPolicy). */
  claimsMatchPolicy(set: StatefulSet, pod: Pod): boolean {
    const scaledDown = !inOrdinalRange(pod, set);
    for (const wanted of claimsFor(set, ordinalOf(pod)).values()) {
      const claim = this.claims.get(wanted.metadata.namespace, wanted.metadata.name!);
      if (claim && !jsonEqual(claimOwnerRefs(claim, set, pod, scaledDown), claim.metadata.ownerReferences ?? [])) return false;
    }
    return true;
  }

  private podEvent(verb: string, set: StatefulSet, pod: Pod, err?: Error): void {
    if (err) this.recorder.event(eventTarget(set), 'Warning', `Failed${capitalized(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err.message}`);
    else this.recorder.event(eventTarget(set), 'Normal', `Successful${capitalized(verb)}`, `${verb} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`);
  }

  private claimEvent(set: StatefulSet, pod: Pod, claim: PersistentVolumeClaim, err?: Error): void {
    if (err) this.recorder.event(eventTarget(set), 'Warning', 'FailedCreate', `create Claim ${claim.metadata.name} for Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} failed error: ${err.message}`);
    else this.recorder.event(eventTarget(set), 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata.name} Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} success`);
  }
}
