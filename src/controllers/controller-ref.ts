/**
 * Adoption and orphaning by selector (k8s.io/kubernetes/pkg/controller ControllerRefManager): a
 * controller owns the objects whose controller ownerReference names its uid; it adopts matching
 * orphans and releases owned objects its selector no longer matches.
 */
import type { KubeObject } from '../api/object.ts';
import type { KubeClient } from '../client/interface.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import type { OwnerReference } from './workload-types.ts';

/** The ownerReference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerRefOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((ref) => ref.controller === true) as OwnerReference | undefined;
}

/** A controller ownerReference to `owner` (metav1.NewControllerRef): controller and blockOwnerDeletion true. */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** Who claims, and how to write the claimed objects. */
export interface ClaimOptions {
  client: KubeClient;
  /** The resource of the claimed objects (pods, replicasets). */
  ref: ResourceRef;
  /** The claiming controller object, with the apiVersion and kind its ownerReferences carry. */
  owner: KubeObject;
  ownerApiVersion: string;
  ownerKind: string;
  /** Whether the owner's selector matches an object. */
  match: (obj: KubeObject) => boolean;
  /**
   * Checked once before the first adoption: the owner must still exist with the same uid and no
   * deletionTimestamp, read live rather than from the cache (RecheckDeletionTimestamp).
   */
  canAdopt: () => Promise<boolean>;
}

/**
 * Returns the objects the owner controls after adopting matching orphans and releasing owned
 * objects that no longer match (ClaimObject). Objects controlled by someone else, and orphans
 * being deleted, are left alone. Writes are merge patches of `metadata.ownerReferences` pinned to
 * the object's resourceVersion and uid, so a concurrent change fails with 409 and the key retries;
 * a vanished object (404) is skipped.
 */
export async function claimObjects<T extends KubeObject>(objects: T[], opts: ClaimOptions): Promise<T[]> {
  const claimed: T[] = [];
  let adoptable: boolean | undefined;
  const ownerDeleting = Boolean(opts.owner.metadata.deletionTimestamp);
  for (const obj of objects) {
    const ref = controllerRefOf(obj);
    if (ref) {
      if (ref.uid !== opts.owner.metadata.uid) continue;
      if (opts.match(obj)) claimed.push(obj);
      else if (!ownerDeleting) await ignoreNotFound(release(obj, opts));
      continue;
    }
    if (ownerDeleting || !opts.match(obj) || obj.metadata.deletionTimestamp) continue;
    adoptable ??= await opts.canAdopt();
    if (!adoptable) continue;
    const adopted = await ignoreNotFound(adopt(obj, opts));
    if (adopted) claimed.push(adopted);
  }
  return claimed;
}

function adopt<T extends KubeObject>(obj: T, opts: ClaimOptions): Promise<T> {
  const refs = [...(obj.metadata.ownerReferences ?? []), newControllerRef(opts.owner, opts.ownerApiVersion, opts.ownerKind)];
  return patchOwners(obj, refs, opts);
}

function release<T extends KubeObject>(obj: T, opts: ClaimOptions): Promise<T> {
  const refs = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== opts.owner.metadata.uid);
  return patchOwners(obj, refs, opts);
}

function patchOwners<T extends KubeObject>(obj: T, ownerReferences: unknown[], opts: ClaimOptions): Promise<T> {
  // A JSON merge patch replaces the whole list; the resourceVersion makes it a compare-and-swap.
  const patch = { metadata: { ownerReferences, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion } };
  return opts.client.patch<T>(opts.ref, obj.metadata.namespace, obj.metadata.name!, patch, { type: 'merge' });
}

/** Resolves undefined when the write failed with 404 (the object is gone: nothing to claim). */
export async function ignoreNotFound<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}
