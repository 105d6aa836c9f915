/**
 * The ReplicaSet controller (kube-controller-manager's `replicaset`): keeps `spec.replicas` pods
 * matching `spec.selector` running, owned through controller ownerReferences.
 */
import { findResource } from '../api/registry.ts';
import { selectorFromLabelSelector, type LabelSelectorSpec } from '../api/selectors/labels.ts';
import type { Controller } from '../machinery/controller.ts';
import { replicaManager, type ReplicaKind } from './replica-manager.ts';

/** The replicasets resource. */
export const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;

/** ReplicaSets: apps/v1, a structured LabelSelector. */
export const REPLICA_SET_KIND: ReplicaKind = {
  controllerName: 'replicaset',
  ref: REPLICASETS,
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  selectorOf: (rs) => selectorFromLabelSelector(rs.spec.selector as LabelSelectorSpec | undefined),
};

/** A new ReplicaSet controller (each instance keeps its own expectations). */
export function replicaSetController(): Controller {
  return replicaManager(REPLICA_SET_KIND);
}
