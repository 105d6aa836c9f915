/**
 * The status conditions the namespace controller keeps on a terminating namespace, with Kubernetes'
 * types, reasons and messages (pkg/controller/namespace/deletion/status_condition_utils.go): each of
 * the five types is present, True with a failure reason while the problem lasts, False with its
 * "ok" reason otherwise.
 */
import { nowTimestamp } from '../api/object.ts';

/** core/v1 NamespaceCondition. */
export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** What remains in a namespace after a deletion pass. */
export interface ContentTotals {
  /** `resource.group` (`configmaps.` for the core group) -> objects remaining. */
  remainingByResource: Map<string, number>;
  /** finalizer -> objects remaining that carry it. */
  remainingByFinalizer: Map<string, number>;
  /** Failures to delete, one message per resource. */
  errors: string[];
}

/** The condition types the controller maintains, in Kubernetes' order. */
export const NAMESPACE_CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

const OK: Record<string, { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
};

function failure(type: string, reason: string, message: string): NamespaceCondition {
  return { type, status: 'True', lastTransitionTime: nowTimestamp(), reason, message };
}

/** The failing conditions a deletion pass produced (discovery cannot fail: the registry is static). */
export function contentConditions(totals: ContentTotals): NamespaceCondition[] {
  const out: NamespaceCondition[] = [];
  if (totals.errors.length > 0) {
    const msgs = [...totals.errors].sort();
    out.push(failure('NamespaceDeletionContentFailure', 'ContentDeletionFailed', `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`));
  }
  const resources = [...totals.remainingByResource].filter(([, n]) => n > 0).map(([r, n]) => `${r} has ${n} resource instances`).sort();
  if (resources.length > 0) out.push(failure('NamespaceContentRemaining', 'SomeResourcesRemain', `Some resources are remaining: ${resources.join(', ')}`));
  const finalizers = [...totals.remainingByFinalizer].filter(([, n]) => n > 0).map(([f, n]) => `${f} in ${n} resource instances`).sort();
  if (finalizers.length > 0) out.push(failure('NamespaceFinalizersRemaining', 'SomeFinalizerRemain', `Some finalizers are remaining: ${finalizers.join(', ')}`));
  return out;
}

/**
 * Merges the failing conditions into the current ones: every maintained type is present, a changed
 * status moves lastTransitionTime. Returns the new list, or undefined when nothing changed.
 */
export function updateConditions(current: readonly NamespaceCondition[], failing: readonly NamespaceCondition[]): NamespaceCondition[] | undefined {
  const next = current.map((c) => ({ ...c }));
  let changed = false;
  for (const type of NAMESPACE_CONDITION_TYPES) {
    const wanted = failing.find((c) => c.type === type) ?? { type, status: 'False' as const, lastTransitionTime: nowTimestamp(), ...OK[type] };
    const old = next.find((c) => c.type === type);
    if (!old) {
      next.push(wanted);
      changed = true;
    } else if (old.status !== wanted.status || old.reason !== wanted.reason || old.message !== wanted.message) {
      if (old.status !== wanted.status) old.lastTransitionTime = nowTimestamp();
      Object.assign(old, { status: wanted.status, reason: wanted.reason, message: wanted.message });
      changed = true;
    }
  }
  return changed ? next : undefined;
}
