/**
 * The service-account controller (k8s.io/kubernetes/pkg/controller/serviceaccount): every active
 * namespace has a ServiceAccount named `default`; it is created when a namespace appears and
 * recreated when deleted. Other service accounts are left alone.
 */
import { findResource } from '../api/registry.ts';
import type { Controller, ReconcileContext } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import type { NamespaceObject } from './namespace.ts';
import { isNamespaceGoneError } from './namespace.ts';
import { ignoreCodes } from './object-patches.ts';

/** The service account every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const SERVICE_ACCOUNTS = findResource('', 'v1', 'serviceaccounts')!;

/** Creates the service-account controller; its keys are namespace names. */
export function serviceAccountController(): Controller {
  return {
    name: 'serviceaccount',
    watches: [
      { resource: NAMESPACES },
      // Only the deletion (or any change) of a `default` account wakes its namespace.
      { resource: SERVICE_ACCOUNTS, map: (sa) => (sa.metadata.name === DEFAULT_SERVICE_ACCOUNT && sa.metadata.namespace ? [sa.metadata.namespace] : []) },
    ],
    reconcile: (ctx, key) => syncNamespace(ctx, splitKey(key).name),
  };
}

async function syncNamespace(ctx: ReconcileContext, name: string): Promise<void> {
  const ns = ctx.listers.get<NamespaceObject>(NAMESPACES).get(undefined, name);
  // Kubernetes only provisions accounts in Active namespaces; a terminating one refuses creates.
  if (!ns || ns.metadata.deletionTimestamp || ns.status?.phase !== 'Active') return;
  if (ctx.listers.get(SERVICE_ACCOUNTS).get(name, DEFAULT_SERVICE_ACCOUNT)) return;
  const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: DEFAULT_SERVICE_ACCOUNT, namespace: name } };
  try {
    await ignoreCodes(ctx.client.create(SERVICE_ACCOUNTS, account, { signal: ctx.signal }), [409]);
  } catch (err) {
    if (!isNamespaceGoneError(err)) throw err;
  }
}
