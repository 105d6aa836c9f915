/**
 * VolumeBinding (plugins/volumebinding), the part that decides schedulability: a pod whose
 * PersistentVolumeClaims are missing, being deleted, or unbound with Immediate binding waits
 * (UnschedulableAndUnresolvable) until the claims are bound. Claims of a WaitForFirstConsumer class
 * do not block scheduling.
 */
import type { CycleState } from '../cycle-state.ts';
import type { ClusterEvent, Handle, PluginFactory, PreFilterPlugin } from '../framework.ts';
import type { PodInfo } from '../pod-info.ts';
import { Code, newStatus } from '../status.ts';
import type { Result } from '../status.ts';

/** Plugin name. */
export const VOLUME_BINDING = 'VolumeBinding';
/** Kubernetes' reason text (ErrReasonPVCNotBound... the PreFilter message for unbound Immediate claims). */
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';

const SKIP = newStatus(Code.Skip, undefined, VOLUME_BINDING);

/** The names of the claims a pod uses: persistentVolumeClaim volumes and generic ephemeral volumes (`<pod>-<volume>`). */
export function podClaimNames(pod: PodInfo): string[] {
  const out: string[] = [];
  for (const v of pod.pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.pod.metadata?.name ?? ''}-${v.name}`);
  }
  return out;
}

/** The VolumeBinding PreFilter. */
export class VolumeBinding implements PreFilterPlugin {
  readonly name = VOLUME_BINDING;

  constructor(private readonly handle: Handle) {}

  preFilter(_state: CycleState, pod: PodInfo): Result {
    const claims = podClaimNames(pod);
    if (claims.length === 0) return SKIP;
    let unboundImmediate = false;
    for (const name of claims) {
      const pvc = this.handle.pvcs?.get(pod.namespace, name);
      if (!pvc) return newStatus(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" not found`, VOLUME_BINDING);
      if (pvc.metadata?.deletionTimestamp) {
        return newStatus(Code.UnschedulableAndUnresolvable, `persistentvolumeclaim "${name}" is being deleted`, VOLUME_BINDING);
      }
      if (pvc.spec?.volumeName) continue;
      const className = pvc.spec?.storageClassName;
      const mode = className ? this.handle.storageClasses?.get(className)?.volumeBindingMode : undefined;
      if (mode !== 'WaitForFirstConsumer') unboundImmediate = true;
    }
    if (unboundImmediate) return newStatus(Code.UnschedulableAndUnresolvable, ERR_REASON_UNBOUND_IMMEDIATE, VOLUME_BINDING);
    return null;
  }

  eventsToRegister(): ClusterEvent[] {
    return ['PvcAdd', 'PvcUpdate', 'PvAdd', 'PvUpdate', 'StorageClassAdd', 'NodeAdd', 'NodeUpdate'];
  }
}

/** Factory for the registry. */
export const newVolumeBinding: PluginFactory = (_args, handle) => new VolumeBinding(handle);
