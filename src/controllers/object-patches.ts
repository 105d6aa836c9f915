/**
 * Small guarded writes the lifecycle controllers (garbage collector, namespace) share: removing a
 * finalizer or ownerReferences with a JSON patch whose `test` operations make the write fail
 * instead of clobbering a concurrent change, and tolerating the status codes that mean "already done".
 */
import type { KubeObject } from '../api/object.ts';
import type { KubeClient } from '../client/interface.ts';
import type { ResourceRef } from '../client/resource-ref.ts';

/** The HTTP status code a StatusError carries, if any. */
export function statusCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Awaits `p`; resolves undefined when it fails with one of `codes` (404 by default), rethrows anything else. */
export async function ignoreCodes<T>(p: Promise<T>, codes: number[] = [404]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    const code = statusCode(err);
    if (code !== undefined && codes.includes(code)) return undefined;
    throw err;
  }
}

/**
 * Removes `finalizer` from `obj.metadata.finalizers`. The patch tests the uid and the current list,
 * so a replaced object or a concurrent finalizer change fails it (and the caller retries from a
 * fresh cache) rather than losing someone else's finalizer. Gone objects count as done.
 */
export async function removeFinalizer(client: KubeClient, ref: ResourceRef, obj: KubeObject, finalizer: string): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  if (!current.includes(finalizer)) return;
  const rest = current.filter((f) => f !== finalizer);
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/uid', value: obj.metadata.uid },
    { op: 'test', path: '/metadata/finalizers', value: current },
    rest.length > 0 ? { op: 'replace', path: '/metadata/finalizers', value: rest } : { op: 'remove', path: '/metadata/finalizers' },
  ];
  await ignoreCodes(client.patch(ref, obj.metadata.namespace, obj.metadata.name!, ops, { type: 'json' }));
}

/**
 * Removes the ownerReferences whose uid is in `ownerUids` from `obj`, guarded like removeFinalizer
 * (the garbage collector's orphaning and its removal of dangling references).
 */
export async function removeOwnerReferences(client: KubeClient, ref: ResourceRef, obj: KubeObject, ownerUids: ReadonlySet<string>): Promise<void> {
  const current = obj.metadata.ownerReferences ?? [];
  const rest = current.filter((r) => !ownerUids.has(r.uid));
  if (rest.length === current.length) return;
  const ops: unknown[] = [
    { op: 'test', path: '/metadata/uid', value: obj.metadata.uid },
    { op: 'test', path: '/metadata/ownerReferences', value: current },
    rest.length > 0 ? { op: 'replace', path: '/metadata/ownerReferences', value: rest } : { op: 'remove', path: '/metadata/ownerReferences' },
  ];
  await ignoreCodes(client.patch(ref, obj.metadata.namespace, obj.metadata.name!, ops, { type: 'json' }));
}
