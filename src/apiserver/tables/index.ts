/**
 * The printer registry: which server-side printer serves each built-in resource, keyed by
 * group and resource (the version does not matter: Kubernetes prints from the internal type).
 * Resources absent here (Roles, ClusterRoles, LimitRanges, CRDs, ...) have no printer in
 * Kubernetes either and get the default Name / Created At table.
 */
import { horizontalPodAutoscalerPrinter, podDisruptionBudgetPrinter } from './autoscaling.ts';
import {
  clusterRoleBindingPrinter,
  configMapPrinter,
  controllerRevisionPrinter,
  leasePrinter,
  priorityClassPrinter,
  resourceQuotaPrinter,
  roleBindingPrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './config.ts';
import { eventPrinter, eventsV1Printer } from './events.ts';
import { namespacePrinter, nodePrinter } from './nodes.ts';
import { podPrinter } from './pods.ts';
import type { Printer } from './printer.ts';
import { endpointSlicePrinter, endpointsPrinter, ingressClassPrinter, ingressPrinter, networkPolicyPrinter, servicePrinter } from './services.ts';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from './storage.ts';
import { cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from './workloads.ts';

const PRINTERS = new Map<string, Printer>([
  ['/pods', podPrinter],
  ['/configmaps', configMapPrinter],
  ['/secrets', secretPrinter],
  ['/serviceaccounts', serviceAccountPrinter],
  ['/namespaces', namespacePrinter],
  ['/nodes', nodePrinter],
  ['/events', eventPrinter],
  ['/services', servicePrinter],
  ['/endpoints', endpointsPrinter],
  ['/replicationcontrollers', replicationControllerPrinter],
  ['/persistentvolumes', persistentVolumePrinter],
  ['/persistentvolumeclaims', persistentVolumeClaimPrinter],
  ['/resourcequotas', resourceQuotaPrinter],
  ['apps/deployments', deploymentPrinter],
  ['apps/replicasets', replicaSetPrinter],
  ['apps/statefulsets', statefulSetPrinter],
  ['apps/daemonsets', daemonSetPrinter],
  ['apps/controllerrevisions', controllerRevisionPrinter],
  ['batch/jobs', jobPrinter],
  ['batch/cronjobs', cronJobPrinter],
  ['autoscaling/horizontalpodautoscalers', horizontalPodAutoscalerPrinter],
  ['policy/poddisruptionbudgets', podDisruptionBudgetPrinter],
  ['networking.k8s.io/ingresses', ingressPrinter],
  ['networking.k8s.io/ingressclasses', ingressClassPrinter],
  ['networking.k8s.io/networkpolicies', networkPolicyPrinter],
  ['discovery.k8s.io/endpointslices', endpointSlicePrinter],
  ['coordination.k8s.io/leases', leasePrinter],
  ['scheduling.k8s.io/priorityclasses', priorityClassPrinter],
  ['storage.k8s.io/storageclasses', storageClassPrinter],
  ['events.k8s.io/events', eventsV1Printer],
  ['rbac.authorization.k8s.io/rolebindings', roleBindingPrinter],
  ['rbac.authorization.k8s.io/clusterrolebindings', clusterRoleBindingPrinter],
]);

/** The printer for a resource (`''` is the core group), or undefined when Kubernetes has none. */
export function printerFor(group: string, resource: string): Printer | undefined {
  return PRINTERS.get(`${group}/${resource}`);
}
