/**
 * List ordering rules of strategic merge patch (k8s.io/apimachinery strategicpatch): after a merge
 * the items named in the patch keep the patch's order, the items only the server has keep the
 * server's order, and the two runs are interleaved by the server's order where both are known.
 */

/** The identity of a list item for ordering: the merge key's value for maps, the item for scalars. */
function identity(item: unknown, mergeKey: string): unknown {
  if (!mergeKey) return item;
  return typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[mergeKey] : undefined;
}

/** Position of `item` in `list` by identity, or -1. */
export function indexByIdentity(list: unknown[], item: unknown, mergeKey: string): number {
  const id = identity(item, mergeKey);
  return list.findIndex((v) => identity(v, mergeKey) === id);
}

/**
 * Sorts `toSort` by the positions in `order`, as Go's stable insertion sort does with the
 * upstream comparator (an item missing from `order` compares as "less", so it moves forward).
 * Items carrying `$patch: delete` go last.
 */
export function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string): unknown[] {
  let items = [...toSort];
  let deletes: unknown[] = [];
  if (mergeKey) {
    deletes = items.filter((v) => isDeleteDirective(v));
    items = items.filter((v) => !isDeleteDirective(v));
  }
  const less = (a: unknown, b: unknown): boolean => {
    const ia = indexByIdentity(order, a, mergeKey);
    const ib = indexByIdentity(order, b, mergeKey);
    return ia >= 0 && ib >= 0 ? ia < ib : true;
  };
  for (let i = 1; i < items.length; i++) {
    for (let j = i; j > 0 && less(items[j], items[j - 1]); j--) [items[j], items[j - 1]] = [items[j - 1], items[j]];
  }
  return [...items, ...deletes];
}

function isDeleteDirective(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as Record<string, unknown>).$patch === 'delete';
}

/**
 * Interleaves server-only items (`left`) into patch items (`right`), both already sorted, using
 * their positions in the server's list; the relative order within each run is kept.
 */
export function mergeSorted(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (j >= right.length) out.push(left[i++]);
    else if (i >= left.length) out.push(right[j++]);
    else {
      const li = indexByIdentity(serverOrder, left[i], mergeKey);
      const ri = indexByIdentity(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}

/** Sorts patch items by `patchOrder`, server-only items by `serverOrder`, then interleaves them. */
export function normalizeElementOrder(patchItems: unknown[], serverOnly: unknown[], patchOrder: unknown[], serverOrder: unknown[], mergeKey: string): unknown[] {
  return mergeSorted(sortByOrder(serverOnly, serverOrder, mergeKey), sortByOrder(patchItems, patchOrder, mergeKey), serverOrder, mergeKey);
}

/** Splits `merged` into items present in `by` (by identity) and the rest. */
export function partitionByPresence(merged: unknown[], by: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const inPatch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const item of merged) (indexByIdentity(by, item, mergeKey) >= 0 ? inPatch : serverOnly).push(item);
  return [inPatch, serverOnly];
}
