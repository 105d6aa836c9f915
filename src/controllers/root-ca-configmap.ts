/**
 * The root CA publisher (k8s.io/kubernetes/pkg/controller/certificates/rootcacertpublisher): every
 * namespace has a ConfigMap `kube-root-ca.crt` whose `ca.crt` is the cluster CA bundle, with
 * Kubernetes' description annotation. Edited or deleted copies are put back.
 */
import { cloneJson, jsonEqual, type KubeObject } from '../api/object.ts';
import { findResource } from '../api/registry.ts';
import type { Controller, ReconcileContext } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { isNamespaceGoneError, type NamespaceObject } from './namespace.ts';
import { ignoreCodes } from './object-patches.ts';

/** The ConfigMap's name (RootCACertConfigMapName). */
export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
/** The annotation describing the ConfigMap, and its text, exactly as Kubernetes writes them. */
export const DESCRIPTION_ANNOTATION = 'kubernetes.io/description';
export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. ' +
  'No other usage is guaranteed across distributions of Kubernetes clusters.';

const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const CONFIGMAPS = findResource('', 'v1', 'configmaps')!;

/** Options of the root CA publisher. */
export interface RootCaOptions {
  /** The cluster CA certificate(s), PEM. */
  caPem: string;
}

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/** Creates the root CA publisher; its keys are namespace names. */
export function rootCaConfigMapController(opts: RootCaOptions): Controller {
  return {
    name: 'root-ca-cert-publisher',
    watches: [
      { resource: NAMESPACES },
      { resource: CONFIGMAPS, map: (cm) => (cm.metadata.name === ROOT_CA_CONFIGMAP && cm.metadata.namespace ? [cm.metadata.namespace] : []) },
    ],
    reconcile: (ctx, key) => syncNamespace(ctx, splitKey(key).name, opts.caPem),
  };
}

async function syncNamespace(ctx: ReconcileContext, name: string, caPem: string): Promise<void> {
  const ns = ctx.listers.get<NamespaceObject>(NAMESPACES).get(undefined, name);
  if (!ns || ns.metadata.deletionTimestamp) return;
  const data = { 'ca.crt': caPem };
  const current = ctx.listers.get<ConfigMap>(CONFIGMAPS).get(name, ROOT_CA_CONFIGMAP);
  try {
    if (!current) {
      const cm: ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: name, annotations: { [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION } }, data };
      await ignoreCodes(ctx.client.create(CONFIGMAPS, cm, { signal: ctx.signal }), [409]);
      return;
    }
    // Only the data and the one description annotation are enforced; other edits are kept.
    if (jsonEqual(current.data ?? {}, data) && current.metadata.annotations?.[DESCRIPTION_ANNOTATION]) return;
    const next = cloneJson(current);
    next.data = data;
    next.metadata.annotations = { ...next.metadata.annotations, [DESCRIPTION_ANNOTATION]: ROOT_CA_DESCRIPTION };
    await ctx.client.update(CONFIGMAPS, next, { signal: ctx.signal });
  } catch (err) {
    // A namespace that went away or started terminating refuses the write: nothing to retry.
    if (!isNamespaceGoneError(err)) throw err;
  }
}
