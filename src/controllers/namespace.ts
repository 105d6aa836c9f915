/**
 * The namespace controller (k8s.io/kubernetes/pkg/controller/namespace): a namespace with a
 * deletionTimestamp (phase Terminating) has every namespaced object deleted, its status conditions
 * kept as Kubernetes keeps them (namespace-conditions.ts), and once nothing is left its `kubernetes`
 * finalizer is removed with PUT /api/v1/namespaces/NAME/finalize; the API server removes the
 * namespace when spec.finalizers and metadata.finalizers are both empty.
 */
import type { KubeObject } from '../api/object.ts';
import { RESOURCES, findResource, type ResourceInfo } from '../api/registry.ts';
import type { KubeClient } from '../client/interface.ts';
import { resourcePath } from '../client/resource-ref.ts';
import type { Controller, ReconcileContext, ReconcileResult } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { contentConditions, updateConditions, type ContentTotals, type NamespaceCondition } from './namespace-conditions.ts';
import { ignoreCodes, statusCode } from './object-patches.ts';

/** The spec.finalizers token the namespace controller owns (v1.FinalizerKubernetes). */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** Kubernetes assumes objects with finalizers take this long to go (finalizerEstimateSeconds). */
const FINALIZER_ESTIMATE_SECONDS = 15;
const NAMESPACES = findResource('', 'v1', 'namespaces')!;

/** core/v1 Namespace, the fields this controller reads and writes. */
export interface NamespaceObject extends KubeObject {
  spec?: { finalizers?: string[] };
  status?: { phase?: string; conditions?: NamespaceCondition[] };
}

/** What deleting the content of a namespace left behind. */
export interface DeletionOutcome extends ContentTotals {
  /** Seconds until the remaining content is expected to be gone (0: nothing remains). */
  estimateSeconds: number;
  /** Failures to list or delete, one message per resource. */
  errors: string[];
}

/** Namespaced resources the controller empties: list and delete verbs, one served version per stored resource. */
export function namespacedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.namespaced && r.version === r.storageVersion && r.verbs.includes('list') && r.verbs.includes('delete'));
}

/** Options of the namespace controller. */
export interface NamespaceControllerOptions {
  /** The resources to empty (default namespacedResources()). */
  resources?: ResourceInfo[];
}

/** Creates the namespace controller. */
export function namespaceController(opts: NamespaceControllerOptions = {}): Controller {
  const resources = opts.resources ?? namespacedResources();
  return {
    name: 'namespace',
    watches: [{ resource: NAMESPACES }],
    reconcile: (ctx, key) => syncNamespace(ctx, splitKey(key).name, resources),
    // kube-controller-manager's --concurrent-namespace-syncs defaults to 10.
    workers: 2,
  };
}

async function syncNamespace(ctx: ReconcileContext, name: string, resources: ResourceInfo[]): Promise<ReconcileResult | void> {
  const cached = ctx.listers.get<NamespaceObject>(NAMESPACES).get(undefined, name);
  if (!cached?.metadata.deletionTimestamp) return;
  // Several actors edit a terminating namespace: work from the live object, as Kubernetes does.
  let ns = await ignoreCodes(ctx.client.get<NamespaceObject>(NAMESPACES, undefined, name, { signal: ctx.signal }));
  if (!ns?.metadata.deletionTimestamp) return;
  if (ns.status?.phase !== 'Terminating') {
    ns = await ignoreCodes(ctx.client.updateStatus<NamespaceObject>(NAMESPACES, { ...ns, status: { ...ns.status, phase: 'Terminating' } }));
    if (!ns) return;
  }
  if (!(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) return;

  const outcome = await deleteAllContent(ctx, name, resources);
  const conditions = updateConditions(ns.status?.conditions ?? [], contentConditions(outcome));
  if (conditions) {
    ns = await ignoreCodes(ctx.client.updateStatus<NamespaceObject>(NAMESPACES, { ...ns, status: { ...ns.status, conditions } }));
    if (!ns) return;
  }
  if (outcome.errors.length > 0) throw new Error(`failed to delete all content of namespace ${name}: ${outcome.errors.join('; ')}`);
  if (outcome.estimateSeconds > 0) {
    ctx.log('content remains in the namespace', { namespace: name, estimateSeconds: outcome.estimateSeconds });
    // Kubernetes requeues after half the estimate plus one second.
    return { requeueAfterMs: (Math.floor(outcome.estimateSeconds / 2) + 1) * 1000 };
  }
  await ignoreCodes(finalizeNamespace(ctx.client, ns));
}

/**
 * Deletes every object of `resources` in the namespace (propagationPolicy Background, as the
 * Kubernetes deleter does), then counts what remains: per resource, per finalizer, and an estimate
 * of how long it will take (the longest pod grace period, or 15 s when finalizers hold objects).
 */
export async function deleteAllContent(ctx: Pick<ReconcileContext, 'client' | 'signal'>, namespace: string, resources: ResourceInfo[]): Promise<DeletionOutcome> {
  const outcome: DeletionOutcome = { estimateSeconds: 0, errors: [], remainingByResource: new Map(), remainingByFinalizer: new Map() };
  for (const info of resources) {
    try {
      const remaining = await deleteResourceContent(ctx, namespace, info);
      if (remaining.length === 0) continue;
      outcome.remainingByResource.set(`${info.resource}.${info.group}`, remaining.length);
      let withFinalizers = false;
      for (const obj of remaining) {
        for (const f of obj.metadata.finalizers ?? []) {
          withFinalizers = true;
          outcome.remainingByFinalizer.set(f, (outcome.remainingByFinalizer.get(f) ?? 0) + 1);
        }
      }
      const estimate = info.resource === 'pods' && info.group === '' ? podEstimate(remaining) : 0;
      if (estimate > 0 || withFinalizers) outcome.estimateSeconds = Math.max(outcome.estimateSeconds, estimate || FINALIZER_ESTIMATE_SECONDS);
      else outcome.errors.push(`unexpected items still remain in namespace: ${namespace} for gvr: ${info.group}/${info.version}, Resource=${info.resource}`);
    } catch (err) {
      outcome.errors.push(`${info.resource}.${info.group}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return outcome;
}

/** Deletes the resource's objects in the namespace; returns those still present afterwards. */
async function deleteResourceContent(ctx: Pick<ReconcileContext, 'client' | 'signal'>, namespace: string, info: ResourceInfo): Promise<KubeObject[]> {
  const list = await ignoreCodes(ctx.client.list(info, { namespace, signal: ctx.signal }), [404, 405]);
  if (!list || list.items.length === 0) return [];
  let deleted = false;
  for (const obj of list.items) {
    if (obj.metadata.deletionTimestamp) continue;
    await ignoreCodes(ctx.client.delete(info, namespace, obj.metadata.name!, { propagationPolicy: 'Background', signal: ctx.signal }), [404, 405]);
    deleted = true;
  }
  if (!deleted) return list.items;
  return (await ignoreCodes(ctx.client.list(info, { namespace, signal: ctx.signal }), [404, 405]))?.items ?? [];
}

/** The longest termination grace period of the pods that are not finished (estimateGracefulTerminationForPods). */
function podEstimate(pods: KubeObject[]): number {
  let estimate = 0;
  for (const pod of pods) {
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const grace = pod.metadata.deletionGracePeriodSeconds ?? (pod.spec as { terminationGracePeriodSeconds?: number } | undefined)?.terminationGracePeriodSeconds ?? 0;
    estimate = Math.max(estimate, grace);
  }
  return estimate;
}

/**
 * Removes the `kubernetes` token from spec.finalizers through the namespace's finalize
 * subresource (PUT, the only verb Kubernetes serves there). The KubeClient interface has no
 * subresource PUT, so a client with raw requests (RestClient) is used for it; any other client
 * (the FakeClient of unit tests) gets the same change as a merge patch of the subresource.
 */
export async function finalizeNamespace(client: KubeClient, ns: NamespaceObject): Promise<void> {
  const finalizers = [...new Set((ns.spec?.finalizers ?? []).filter((f) => f !== NAMESPACE_FINALIZER))].sort();
  const name = ns.metadata.name!;
  const raw = client as KubeClient & { request?: (req: { method: 'PUT'; path: string; body: unknown }) => Promise<unknown> };
  if (typeof raw.request === 'function') {
    const body = { apiVersion: 'v1', kind: 'Namespace', metadata: ns.metadata, spec: { ...ns.spec, finalizers } };
    await raw.request({ method: 'PUT', path: resourcePath(NAMESPACES, { name, subresource: 'finalize' }), body });
    return;
  }
  await client.patch(NAMESPACES, undefined, name, { spec: { finalizers } }, { type: 'merge', subresource: 'finalize' });
}

/** Whether an error means the namespace is gone or terminating (creates into it are refused). */
export function isNamespaceGoneError(err: unknown): boolean {
  const code = statusCode(err);
  return code === 404 || code === 403;
}
