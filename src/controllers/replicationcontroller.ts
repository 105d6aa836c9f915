/**
 * The ReplicationController controller (kube-controller-manager's `replicationcontroller`): the
 * ReplicaSet logic over core/v1 ReplicationControllers, whose selector is a plain label map
 * (the API defaults it to the template's labels).
 */
import { findResource } from '../api/registry.ts';
import { selectorFromLabelSelector } from '../api/selectors/labels.ts';
import type { Controller } from '../machinery/controller.ts';
import { replicaManager, type ReplicaKind } from './replica-manager.ts';

/** The replicationcontrollers resource. */
export const REPLICATIONCONTROLLERS = findResource('', 'v1', 'replicationcontrollers')!;

/** ReplicationControllers: core v1, a map selector (labels.Set(selector).AsSelector()). */
export const REPLICATION_CONTROLLER_KIND: ReplicaKind = {
  controllerName: 'replicationcontroller',
  ref: REPLICATIONCONTROLLERS,
  apiVersion: 'v1',
  kind: 'ReplicationController',
  selectorOf: (rc) => selectorFromLabelSelector({ matchLabels: (rc.spec.selector ?? {}) as Record<string, string> }),
};

/** A new ReplicationController controller. */
export function replicationControllerController(): Controller {
  return replicaManager(REPLICATION_CONTROLLER_KIND);
}
