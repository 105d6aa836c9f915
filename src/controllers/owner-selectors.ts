/**
 * The selectors of the controllers of one kind, by key, as last seen by their reconcile. Event
 * mappers use it to wake every controller whose selector matches an orphan (Kubernetes'
 * getPodReplicaSets / getReplicaSetsForDeployment lookups in the add/update handlers), since a
 * KeyMapper sees only the changed object.
 */
import { matchesLabels, type LabelSelector } from '../api/selectors/labels.ts';

/** Selectors by `namespace/name` key. */
export class SelectorIndex {
  private readonly byNamespace = new Map<string, Map<string, LabelSelector>>();

  /** Records (or replaces) the selector of the controller `namespace/name`. */
  set(namespace: string, key: string, selector: LabelSelector): void {
    let keys = this.byNamespace.get(namespace);
    if (!keys) this.byNamespace.set(namespace, (keys = new Map()));
    keys.set(key, selector);
  }

  /** Forgets a deleted controller. */
  delete(namespace: string, key: string): void {
    this.byNamespace.get(namespace)?.delete(key);
  }

  /** The keys of the controllers in `namespace` whose selector matches `labels`. */
  matching(namespace: string, labels: Record<string, string> | undefined): string[] {
    const out: string[] = [];
    for (const [key, selector] of this.byNamespace.get(namespace) ?? []) {
      if (matchesLabels(selector, labels)) out.push(key);
    }
    return out;
  }
}
