/**
 * Defaults of apps/v1 workloads (pkg/apis/apps/v1/defaults.go), including the zero-valued status
 * fields Go always serialises for a freshly created object.
 */
import type { KubeObject } from '../object.ts';
import { defaultPersistentVolumeClaim } from './core.ts';
import { defaultPodTemplate, ensure, items, setDefault } from './pod-spec.ts';

type Defaulter = (o: KubeObject) => void;

/** Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600. */
function defaultDeployment(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = ensure(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = ensure(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', '25%');
    setDefault(rolling, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
  ensure(o, 'status');
}

function defaultReplicaSet(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
  setDefault(ensure(o, 'status'), 'replicas', 0);
}

/**
 * StatefulSet: OrderedReady, RollingUpdate with partition 0, replicas 1, revisionHistoryLimit 10,
 * PVC retention Retain/Retain, and claim-template defaults (volumeMode, status.phase Pending).
 */
function defaultStatefulSet(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = ensure(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    ensure(strategy, 'rollingUpdate');
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate) setDefault(strategy.rollingUpdate as Record<string, unknown>, 'partition', 0);
  const retention = ensure(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
  for (const claim of items(spec.volumeClaimTemplates)) {
    setDefault(claim, 'apiVersion', 'v1');
    setDefault(claim, 'kind', 'PersistentVolumeClaim');
    ensure(claim, 'metadata');
    defaultPersistentVolumeClaim(claim);
  }
  const status = ensure(o, 'status');
  setDefault(status, 'replicas', 0);
  setDefault(status, 'availableReplicas', 0);
}

/** DaemonSet: RollingUpdate maxUnavailable 1 maxSurge 0, revisionHistoryLimit 10. */
function defaultDaemonSet(o: KubeObject): void {
  const spec = ensure(o, 'spec');
  const strategy = ensure(spec, 'updateStrategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rolling = ensure(strategy, 'rollingUpdate');
    setDefault(rolling, 'maxUnavailable', 1);
    setDefault(rolling, 'maxSurge', 0);
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
  const status = ensure(o, 'status');
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) setDefault(status, f, 0);
}

/** Defaulters keyed by resource (apps group). */
export const APPS_DEFAULTS: Record<string, Defaulter> = {
  deployments: defaultDeployment,
  replicasets: defaultReplicaSet,
  statefulsets: defaultStatefulSet,
  daemonsets: defaultDaemonSet,
};
