/**
 * The selector used for system-default topology spreading (helper.DefaultSelector): the labels of
 * every Service selecting the pod, plus the selector of its controlling ReplicationController,
 * ReplicaSet or StatefulSet, ANDed. Null when that comes out empty (no default spreading).
 */
import type { V1LabelSelector } from '@kubernetes/client-node';
import type { WorkloadLister } from '../framework.ts';
import { compileLabelSelector, isEmptyLabelSelector } from '../label-selector.ts';
import type { LabelPredicate } from '../label-selector.ts';
import type { Pod } from '../types.ts';

/** A compiled selector and a key naming it (equal keys, equal selectors). */
export interface KeyedSelector {
  matches: LabelPredicate;
  key: string;
}

/** The pod's default spreading selector, or null when it has none. */
export function defaultSelector(pod: Pod, workloads: WorkloadLister | undefined): KeyedSelector | null {
  if (!workloads) return null;
  const ns = pod.metadata?.namespace ?? '';
  const labels = pod.metadata?.labels ?? {};
  const set: Record<string, string> = {};
  for (const svc of workloads.services(ns)) {
    const sel = svc.spec?.selector;
    // A Service selects the pod when every pair of its (non-empty) selector matches.
    if (!sel || Object.keys(sel).length === 0) continue;
    if (Object.entries(sel).every(([k, v]) => labels[k] === v)) Object.assign(set, sel);
  }
  let structured: V1LabelSelector | undefined;
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  if (owner) {
    const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
    const kind = `${group}/${owner.kind}`;
    if (kind === '/ReplicationController') {
      const sel = workloads.controller('ReplicationController', ns, owner.name)?.spec?.selector as Record<string, string> | undefined;
      if (sel) Object.assign(set, sel);
    } else if (kind === 'apps/ReplicaSet' || kind === 'apps/StatefulSet') {
      const sel = workloads.controller(owner.kind, ns, owner.name)?.spec?.selector as V1LabelSelector | undefined;
      if (sel && !isEmptyLabelSelector(sel)) structured = sel;
    }
  }
  if (Object.keys(set).length === 0 && !structured) return null;
  const fromSet = compileLabelSelector({ matchLabels: set });
  const key = JSON.stringify([set, structured ?? null]);
  if (!structured) return { matches: fromSet, key };
  const fromOwner = compileLabelSelector(structured);
  return { matches: (l) => fromSet(l) && fromOwner(l), key };
}
