/**
 * The controllers kube-controller-manager runs, as skiff registers them. Each entry makes a fresh
 * instance (controllers keep per-instance state such as expectations). Add new controllers to
 * the list.
 */
import type { Controller } from '../machinery/controller.ts';
import { daemonSetController } from './daemonset.ts';
import { deploymentController } from './deployment.ts';
import { disruptionController } from './disruption.ts';
import { endpointsController } from './endpoints.ts';
import { endpointSliceController } from './endpointslice.ts';
import { cronJobController } from './cronjob.ts';
import { garbageCollectorController } from './garbage-collector.ts';
import { jobController } from './job.ts';
import { ttlAfterFinishedController } from './job-ttl.ts';
import { namespaceController } from './namespace.ts';
import { nodeIpamController } from './node-ipam.ts';
import { nodeLifecycleController } from './node-lifecycle.ts';
import { rootCaConfigMapController } from './root-ca-configmap.ts';
import { serviceAccountController } from './serviceaccount.ts';
import { replicaSetController } from './replicaset.ts';
import { replicationControllerController } from './replicationcontroller.ts';
import { statefulSetController } from './statefulset.ts';
import { resourceQuotaController } from './resourcequota.ts';

/** Factories of every controller, in the order they start. */
export const CONTROLLER_FACTORIES: (() => Controller)[] = [
  deploymentController,
  replicaSetController,
  replicationControllerController,
  () => garbageCollectorController(),
  () => namespaceController(),
  serviceAccountController,
  endpointsController,
  () => endpointSliceController(),
  () => disruptionController(),
  () => resourceQuotaController(),
  statefulSetController,
  daemonSetController,
  () => jobController(),
  () => cronJobController(),
  () => ttlAfterFinishedController(),
  () => nodeLifecycleController(),
];

/** What some controllers need from the process that runs them. */
export interface ControllerOptions {
  /** The cluster's pod network, split into a /24 per node (default 10.42.0.0/16). */
  clusterCIDR?: string;
  /** The cluster CA (PEM) the root CA publisher puts in every namespace's kube-root-ca.crt; without it that controller does not run. */
  caPem?: string;
}

/** A fresh instance of every registered controller. */
export function allControllers(opts: ControllerOptions = {}): Controller[] {
  const controllers = CONTROLLER_FACTORIES.map((make) => make());
  controllers.push(nodeIpamController({ clusterCIDR: opts.clusterCIDR }));
  if (opts.caPem) controllers.push(rootCaConfigMapController({ caPem: opts.caPem }));
  return controllers;
}
