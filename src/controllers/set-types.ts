/**
 * The JSON shapes of the objects the StatefulSet and DaemonSet controllers read and write
 * (apps/v1 StatefulSet, DaemonSet, ControllerRevision; core/v1 PersistentVolumeClaim and Node), as
 * they travel on the wire. Only the fields the controllers use are spelled out.
 */
import type { KubeObject } from '../api/object.ts';
import type { LabelSelectorSpec } from '../api/selectors/labels.ts';
import type { Taint } from './node-taints.ts';
import type { Condition, PodTemplate } from './workload-types.ts';

/** apps/v1 ControllerRevision: an immutable snapshot (`data`) of a controller's template, numbered by `revision`. */
export interface ControllerRevision extends KubeObject {
  data?: unknown;
  revision: number;
}

/** apps/v1 StatefulSetStatus. */
export interface StatefulSetStatus {
  observedGeneration?: number;
  replicas: number;
  readyReplicas?: number;
  currentReplicas?: number;
  updatedReplicas?: number;
  currentRevision?: string;
  updateRevision?: string;
  collisionCount?: number;
  availableReplicas: number;
  conditions?: Condition[];
}

/** core/v1 PersistentVolumeClaim, as a StatefulSet's volumeClaimTemplates hold them. */
export interface PersistentVolumeClaim extends KubeObject {
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** apps/v1 StatefulSet. */
export interface StatefulSet extends KubeObject {
  spec: {
    replicas?: number;
    selector?: LabelSelectorSpec;
    template?: PodTemplate;
    serviceName?: string;
    podManagementPolicy?: 'OrderedReady' | 'Parallel';
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { partition?: number; maxUnavailable?: number | string } };
    volumeClaimTemplates?: PersistentVolumeClaim[];
    revisionHistoryLimit?: number;
    minReadySeconds?: number;
    persistentVolumeClaimRetentionPolicy?: { whenDeleted?: 'Retain' | 'Delete'; whenScaled?: 'Retain' | 'Delete' };
    ordinals?: { start?: number };
    [field: string]: unknown;
  };
  status?: StatefulSetStatus;
}

/** apps/v1 DaemonSetStatus. */
export interface DaemonSetStatus {
  currentNumberScheduled: number;
  numberMisscheduled: number;
  desiredNumberScheduled: number;
  numberReady: number;
  observedGeneration?: number;
  updatedNumberScheduled?: number;
  numberAvailable?: number;
  numberUnavailable?: number;
  collisionCount?: number;
  conditions?: Condition[];
}

/** apps/v1 DaemonSet. */
export interface DaemonSet extends KubeObject {
  spec: {
    selector?: LabelSelectorSpec;
    template?: PodTemplate;
    updateStrategy?: { type?: 'RollingUpdate' | 'OnDelete'; rollingUpdate?: { maxUnavailable?: number | string; maxSurge?: number | string } };
    minReadySeconds?: number;
    revisionHistoryLimit?: number;
    [field: string]: unknown;
  };
  status?: DaemonSetStatus;
}

/** core/v1 Node, the fields a DaemonSet's placement looks at. */
export interface NodeObject extends KubeObject {
  spec?: { taints?: Taint[]; unschedulable?: boolean; [field: string]: unknown };
}
