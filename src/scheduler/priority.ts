/**
 * Pod priority as the Priority admission plugin (plugin/pkg/admission/priority) would have set it.
 * Kubernetes resolves spec.priorityClassName to spec.priority at admission; skiff's API server does
 * not (yet), so the scheduler fills spec.priority in from the PriorityClass informer before a pod
 * enters the queue or the snapshot, where priority decides queue order and preemption.
 */
import type { Pod } from './types.ts';

/** The two classes every Kubernetes cluster has (scheduling.SystemPriorityClasses). */
export const SYSTEM_PRIORITY_CLASSES: Readonly<Record<string, number>> = {
  'system-node-critical': 2_000_001_000,
  'system-cluster-critical': 2_000_000_000,
};

/** The fields of a scheduling.k8s.io/v1 PriorityClass the resolver reads. */
export interface PriorityClassLike {
  metadata?: { name?: string };
  value?: number;
  globalDefault?: boolean;
}

/** Read access to PriorityClasses (the informer's lister fits). */
export interface PriorityClassSource {
  get(name: string): PriorityClassLike | undefined;
  list(): PriorityClassLike[];
}

/**
 * The value of the globalDefault class; with several, the lowest value wins, as the admission
 * plugin's getDefaultPriorityClass picks it. 0 when there is none.
 */
export function defaultPriority(classes: readonly PriorityClassLike[]): number {
  let found: number | undefined;
  for (const pc of classes) {
    if (pc.globalDefault && (found === undefined || (pc.value ?? 0) < found)) found = pc.value ?? 0;
  }
  return found ?? 0;
}

/** Resolves pods' priority from their priorityClassName. */
export class PriorityResolver {
  constructor(private readonly classes: PriorityClassSource) {}

  /** The priority the pod would have after admission (spec.priority when already set). */
  priorityOf(pod: Pod): number {
    const set = pod.spec?.priority;
    if (set !== undefined && set !== null) return set;
    const name = pod.spec?.priorityClassName;
    if (!name) return defaultPriority(this.classes.list());
    const pc = this.classes.get(name);
    if (pc) return pc.value ?? 0;
    // An unknown class is rejected by admission in Kubernetes; here the pod gets the default 0.
    return SYSTEM_PRIORITY_CLASSES[name] ?? 0;
  }

  /**
   * The pod itself when spec.priority is set, else a shallow copy with spec.priority filled in
   * (cached informer objects are frozen, so they are never changed in place).
   */
  resolve(pod: Pod): Pod {
    const set = pod.spec?.priority;
    if (set !== undefined && set !== null) return pod;
    return { ...pod, spec: { ...pod.spec!, priority: this.priorityOf(pod) } };
  }
}
