/**
 * ControllerRevision history shared by the StatefulSet and DaemonSet controllers
 * (pkg/controller/history and the two controllers' getPatch/ApplyRevision): a revision stores
 * the strategic-merge patch `{"spec":{"template":{...,"$patch":"replace"}}}` that restores the
 * owner's pod template, a monotonically increasing `revision` number, and is owned by the set
 * through a controller ownerReference. `kubectl rollout history` and `rollout undo` read them.
 */
import { cloneJson, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import { newControllerRef } from './controller-ref.ts';
import type { ControllerRevision } from './set-types.ts';
import type { PodTemplate } from './workload-types.ts';

/** The controllerrevisions resource. */
export const CONTROLLER_REVISIONS = findResource('apps', 'v1', 'controllerrevisions')!;
/** The label on a revision holding its hash (history.ControllerRevisionHashLabel). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';
/** The label on pods naming the revision they run (apps.ControllerRevisionHashLabelKey). */
export const POD_REVISION_LABEL = 'controller-revision-hash';
/** Longest revision-name prefix Kubernetes keeps (ControllerRevisionName truncates the parent's name to 223). */
const MAX_PREFIX = 223;
/** rand.SafeEncodeString's alphabet. */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted, as Go marshals maps: the bytes revisions are hashed and compared by. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** getPatch: the revision data that restores `template` when strategically merged into the set. */
export function templatePatch(template: PodTemplate | undefined): Record<string, unknown> {
  return { spec: { template: { ...cloneJson(template ?? {}), $patch: 'replace' } } };
}

/** ApplyRevision, for the only field revisions carry: the pod template stored in the revision. */
export function templateOfRevision(revision: ControllerRevision): PodTemplate {
  const template = cloneJson(((revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>);
  delete template.$patch;
  return template as PodTemplate;
}

/**
 * HashControllerRevision: FNV-32 (not 32a) over the data's bytes, then the collision count in
 * decimal when given, printed in decimal and mapped through the safe alphabet.
 */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  let hash = 0x811c9dc5;
  const feed = (text: string): void => {
    for (const b of new TextEncoder().encode(text)) hash = (Math.imul(hash, 0x01000193) ^ b) >>> 0;
  };
  feed(canonicalJson(data));
  if (collisionCount !== undefined) feed(String(collisionCount));
  return [...String(hash >>> 0)].map((ch) => SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** ControllerRevisionName: `<parent>-<hash>`, the parent's name cut to 223 characters. */
export function revisionName(parentName: string, hash: string): string {
  return `${parentName.slice(0, MAX_PREFIX)}-${hash}`;
}

/** Whether two revisions hold the same data (history.EqualRevision). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  return canonicalJson(a.data) === canonicalJson(b.data);
}

/** Oldest first: by revision number, then creation time, then name (history.SortControllerRevisions). */
export function byRevisionNumber(a: ControllerRevision, b: ControllerRevision): number {
  if (a.revision !== b.revision) return a.revision - b.revision;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

/** One more than the highest revision number, 1 for an empty history (nextRevision). */
export function nextRevisionNumber(revisions: readonly ControllerRevision[]): number {
  return Math.max(0, ...revisions.map((r) => r.revision)) + 1;
}

/** Who owns a revision: the set, and the apiVersion/kind its ownerReference names. */
export interface RevisionParent {
  object: KubeObject;
  apiVersion: string;
  kind: string;
}

/**
 * history.NewControllerRevision: labels = the template's labels plus the hash label, the parent's
 * annotations, a controller ownerReference, name `<parent>-<hash of data and collisionCount>`.
 */
export function newControllerRevision(parent: RevisionParent, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  const meta = parent.object.metadata;
  const cr: ControllerRevision = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: revisionName(meta.name!, hash),
      namespace: meta.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(parent.object, parent.apiVersion, parent.kind)],
    },
    data: cloneJson(data),
    revision,
  };
  if (meta.annotations && Object.keys(meta.annotations).length > 0) cr.metadata.annotations = { ...meta.annotations };
  return cr;
}

/**
 * CreateControllerRevision: creates the revision; when the name is taken by a revision with other
 * data (a hash collision) it bumps the collision count and tries the next name. An existing
 * revision with the same data is returned as is. Resolves with the stored revision and the final
 * collision count.
 */
export async function createControllerRevision(client: KubeClient, parent: RevisionParent, revision: ControllerRevision, collisionCount: number): Promise<{ revision: ControllerRevision; collisionCount: number }> {
  let count = collisionCount;
  for (;;) {
    const clone = cloneJson(revision);
    clone.metadata.name = revisionName(parent.object.metadata.name!, hashRevisionData(revision.data, count));
    try {
      return { revision: await client.create<ControllerRevision>(CONTROLLER_REVISIONS, clone), collisionCount: count };
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
      const exists = await client.get<ControllerRevision>(CONTROLLER_REVISIONS, clone.metadata.namespace, clone.metadata.name!);
      if (equalRevision(exists, clone)) return { revision: exists, collisionCount: count };
      count++;
    }
  }
}

/** Raises a revision's number (a rollback to an older template reuses its revision object). */
export function bumpRevision(client: KubeClient, revision: ControllerRevision, number: number): Promise<ControllerRevision> {
  return client.update<ControllerRevision>(CONTROLLER_REVISIONS, { ...cloneJson(revision), revision: number });
}
