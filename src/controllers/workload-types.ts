/**
 * The JSON shapes of the workload objects these controllers read and write (Pod, ReplicaSet,
 * ReplicationController, Deployment), as they travel on the wire: timestamps are RFC 3339
 * strings. Only the fields the controllers use are spelled out; everything else passes through.
 */
import type { KubeObject } from '../api/object.ts';
import type { LabelSelectorSpec } from '../api/selectors/labels.ts';

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The condition shape shared by pods, replica sets and deployments (each uses a subset of the times). */
export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
}

/** core/v1 PodTemplateSpec. */
export interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; finalizers?: string[]; [field: string]: unknown };
  spec?: Record<string, unknown>;
}

/** core/v1 Pod, the fields the workload controllers look at. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string; [field: string]: unknown };
  status?: {
    phase?: string;
    conditions?: Condition[];
    containerStatuses?: { restartCount?: number; [field: string]: unknown }[];
    [field: string]: unknown;
  };
}

/** The status of a ReplicaSet and of a ReplicationController (identical in Kubernetes). */
export interface ReplicaStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

/** apps/v1 ReplicaSet and core/v1 ReplicationController: a replica count, a template and a selector. */
export interface ReplicaSet extends KubeObject {
  spec: {
    replicas?: number;
    minReadySeconds?: number;
    /** A LabelSelector on ReplicaSets, a plain map on ReplicationControllers. */
    selector?: LabelSelectorSpec | Record<string, string>;
    template?: PodTemplate;
    [field: string]: unknown;
  };
  status?: ReplicaStatus;
}

/** apps/v1 DeploymentStrategy. maxSurge / maxUnavailable are IntOrString (`2` or `"25%"`). */
export interface DeploymentStrategy {
  type?: 'Recreate' | 'RollingUpdate';
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** apps/v1 DeploymentStatus. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

/** apps/v1 Deployment. */
export interface Deployment extends KubeObject {
  spec: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: PodTemplate;
    strategy?: DeploymentStrategy;
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    paused?: boolean;
    progressDeadlineSeconds?: number;
    [field: string]: unknown;
  };
  status?: DeploymentStatus;
}

/** `spec.replicas`, which the API defaults to 1. */
export function specReplicas(obj: { spec: { replicas?: number } }): number {
  return obj.spec.replicas ?? 1;
}
