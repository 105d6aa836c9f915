/**
 * A StatefulSet pod's identity and storage (pkg/controller/statefulset stateful_set_utils.go):
 * stable names `<set>-<ordinal>`, the pod-name and pod-index labels, hostname and subdomain,
 * volumes bound to the claims `<template>-<set>-<ordinal>`, and the claims' ownerReferences as
 * the persistentVolumeClaimRetentionPolicy asks.
 */
import { cloneJson } from '../api/object.ts';
import { podFromTemplate } from './pod-control.ts';
import { newControllerRef } from './controller-ref.ts';
import { POD_REVISION_LABEL } from './controller-revision.ts';
import type { PersistentVolumeClaim, StatefulSet } from './set-types.ts';
import type { OwnerReference, Pod } from './workload-types.ts';

/** The label carrying the pod's own name (apps.StatefulSetPodNameLabel). */
export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** The label carrying the pod's ordinal (apps.PodIndexLabel, on by default since 1.28). */
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

interface Volume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  [field: string]: unknown;
}

/** The name's parent and ordinal (`web-3` -> web, 3); ordinal -1 when the name has no numeric suffix. */
export function parseOrdinal(name: string | undefined): { parent: string; ordinal: number } {
  const m = /^(.*)-(\d+)$/.exec(name ?? '');
  if (!m || !Number.isSafeInteger(Number(m[2]))) return { parent: '', ordinal: -1 };
  return { parent: m[1], ordinal: Number(m[2]) };
}

/** The pod's ordinal, -1 for names not made by a StatefulSet (getOrdinal). */
export function ordinalOf(pod: Pod): number {
  return parseOrdinal(pod.metadata.name).ordinal;
}

/** spec.ordinals.start (0 by default). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec.ordinals?.start ?? 0;
}

/** The last ordinal the set should run (start + replicas - 1). */
export function endOrdinal(set: StatefulSet): number {
  return startOrdinal(set) + (set.spec.replicas ?? 1) - 1;
}

/** Whether the pod's ordinal is within [start, end] (podInOrdinalRange). */
export function inOrdinalRange(pod: Pod, set: StatefulSet): boolean {
  const ord = ordinalOf(pod);
  return ord >= startOrdinal(set) && ord <= endOrdinal(set);
}

/** Whether the pod's name says it belongs to this set (isMemberOf). */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parseOrdinal(pod.metadata.name).parent === set.metadata.name;
}

/** `<set>-<ordinal>`. */
export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

/** `<template>-<set>-<ordinal>`. */
export function claimName(set: StatefulSet, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata.name}-${set.metadata.name}-${ordinal}`;
}

/** The revision name on the pod's controller-revision-hash label ('' when absent). */
export function podRevision(pod: Pod): string {
  return pod.metadata.labels?.[POD_REVISION_LABEL] ?? '';
}

/**
 * The claims the pod at `ordinal` mounts, by template name (getPersistentVolumeClaims): each
 * template renamed for the pod, in the set's namespace, with the set's matchLabels added.
 */
export function claimsFor(set: StatefulSet, ordinal: number): Map<string, PersistentVolumeClaim> {
  const claims = new Map<string, PersistentVolumeClaim>();
  for (const template of set.spec.volumeClaimTemplates ?? []) {
    const claim = cloneJson(template);
    claim.apiVersion = 'v1';
    claim.kind = 'PersistentVolumeClaim';
    claim.metadata = { ...claim.metadata, name: claimName(set, template, ordinal), namespace: set.metadata.namespace };
    claim.metadata.labels = { ...(claim.metadata.labels ?? {}), ...(set.spec.selector?.matchLabels ?? {}) };
    delete claim.status;
    claims.set(template.metadata.name!, claim);
  }
  return claims;
}

/** updateIdentity: name, namespace, pod-name and pod-index labels. */
export function updateIdentity(set: StatefulSet, pod: Pod, ordinal: number): void {
  pod.metadata.name = podName(set, ordinal);
  pod.metadata.namespace = set.metadata.namespace;
  pod.metadata.labels = { ...(pod.metadata.labels ?? {}), [POD_NAME_LABEL]: pod.metadata.name, [POD_INDEX_LABEL]: String(ordinal) };
}

/** updateStorage: one volume per claim template (replacing same-named template volumes), others kept. */
export function updateStorage(set: StatefulSet, pod: Pod, ordinal: number): void {
  const claims = claimsFor(set, ordinal);
  const spec = (pod.spec ??= {});
  const current = (spec.volumes as Volume[] | undefined) ?? [];
  const volumes: Volume[] = [...claims].map(([name, claim]) => ({ name, persistentVolumeClaim: { claimName: claim.metadata.name! } }));
  for (const v of current) if (!claims.has(v.name)) volumes.push(v);
  if (volumes.length > 0) spec.volumes = volumes;
}

/** Whether the pod has the identity the set gives its ordinal (identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parseOrdinal(pod.metadata.name);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** Whether every claim template is mounted from the pod's own claim (storageMatches). */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map(((pod.spec?.volumes as Volume[] | undefined) ?? []).map((v) => [v.name, v]));
  for (const [name, claim] of claimsFor(set, ordinal)) {
    if (volumes.get(name)?.persistentVolumeClaim?.claimName !== claim.metadata.name) return false;
  }
  return true;
}

/**
 * newStatefulSetPod: the template's pod (generateName `<set>-` like every controller pod) with the
 * ordinal's identity, hostname = its name, subdomain = spec.serviceName, its claim volumes and the
 * revision label.
 */
export function newStatefulSetPod(set: StatefulSet, templateSet: StatefulSet, ordinal: number, revision: string): Pod {
  const pod = podFromTemplate(templateSet.spec.template ?? {}, { object: set, apiVersion: 'apps/v1', kind: 'StatefulSet' });
  updateIdentity(set, pod, ordinal);
  const spec = (pod.spec ??= {});
  spec.hostname = pod.metadata.name;
  if (set.spec.serviceName) spec.subdomain = set.spec.serviceName;
  updateStorage(templateSet, pod, ordinal);
  pod.metadata.labels![POD_REVISION_LABEL] = revision;
  return pod;
}

/**
 * The claim's ownerReferences under the retention policy (updateClaimOwnerRefForSetAndPod): refs
 * to this set and pod are scrubbed, then WhenDeleted=Delete adds a controller ref to the set (so
 * the garbage collector deletes the claim with the set) and WhenScaled=Delete gives a scaled-down
 * pod's claim a controller ref to the pod (so it goes with the pod). A claim controlled by
 * someone else keeps only its other refs.
 */
export function claimOwnerRefs(claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod | undefined, podScaledDown: boolean): OwnerReference[] {
  const refs = ((claim.metadata.ownerReferences ?? []) as OwnerReference[]).filter((r) => !isRefTo(r, 'apps/v1', 'StatefulSet', set.metadata.name!) && !(pod && isRefTo(r, 'v1', 'Pod', pod.metadata.name!)));
  const foreignController = (claim.metadata.ownerReferences ?? []).some((r) => r.controller && r.uid !== set.metadata.uid && r.uid !== pod?.metadata.uid);
  if (foreignController) return refs;
  const policy = set.spec.persistentVolumeClaimRetentionPolicy ?? {};
  if (podScaledDown && policy.whenScaled === 'Delete') {
    if (pod?.metadata.uid) refs.push(newControllerRef(pod, 'v1', 'Pod'));
  } else if (policy.whenDeleted === 'Delete') {
    refs.push(newControllerRef(set, 'apps/v1', 'StatefulSet'));
  }
  return refs;
}

function isRefTo(ref: OwnerReference, apiVersion: string, kind: string, name: string): boolean {
  return ref.apiVersion === apiVersion && ref.kind === kind && ref.name === name;
}

/** The pod is Running with Ready=True (isRunningAndReady). */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** Running, ready and not terminating (isHealthy). */
export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !pod.metadata.deletionTimestamp;
}
