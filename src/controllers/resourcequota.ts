/**
 * The ResourceQuota controller (kube-controller-manager's `resourcequota`): keeps each quota's
 * status.hard equal to spec.hard and status.used at what its namespace consumes of every resource
 * named in hard: object counts (`pods`, `count/deployments.apps`, ...), service node ports and
 * load balancers, claimed storage, and the compute requests and limits of non-terminal pods.
 * Enforcement at admission is not done here.
 */
import { cloneJson, jsonEqual, type KubeObject } from '../api/object.ts';
import { RESOURCES, findResource, type ResourceInfo } from '../api/registry.ts';
import type { ResourceRef } from '../client/resource-ref.ts';
import type { Controller, ReconcileContext } from '../machinery/controller.ts';
import { splitKey } from '../machinery/indexer.ts';
import { addTo, formatAmount, podMatchesScopes, podUsage, pvcUsage, serviceUsage, sumUsage, type QuotaPod, type Usage } from './quota-usage.ts';

/** The resourcequotas resource. */
export const RESOURCEQUOTAS = findResource('', 'v1', 'resourcequotas')!;
const core = (resource: string): ResourceInfo => findResource('', 'v1', resource)!;
const PODS = core('pods');
const SERVICES = core('services');
const PVCS = core('persistentvolumeclaims');

/** Resources counted from shared caches; count/<other> resources are listed through the API. */
const CACHED: ResourceInfo[] = [PODS, SERVICES, PVCS, core('configmaps'), core('secrets'), core('replicationcontrollers'), RESOURCEQUOTAS, findResource('apps', 'v1', 'deployments')!, findResource('apps', 'v1', 'replicasets')!, findResource('apps', 'v1', 'statefulsets')!];

/** The legacy quota names that count core objects (`configmaps` as `count/configmaps`). */
const LEGACY_COUNTS = new Set(['pods', 'services', 'persistentvolumeclaims', 'configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas']);

/** Kubernetes' full quota recalculation period (--resource-quota-sync-period, 5m). */
const RESYNC_MS = 5 * 60 * 1000;

/** core/v1 ResourceQuota. */
export interface ResourceQuota extends KubeObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: { matchExpressions?: { scopeName: string; operator: string; values?: string[] }[] } };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** Which evaluator charges a quota resource name. */
type Source = { kind: 'pods' | 'services' | 'pvcs' } | { kind: 'count'; ref: ResourceInfo } | { kind: 'unknown' };

/** Maps a quota resource name to what it counts (the registry's evaluators' MatchingResources). */
export function sourceOf(name: string): Source {
  if (name === 'pods' || name === 'count/pods' || ['cpu', 'memory', 'ephemeral-storage'].includes(name) || name.startsWith('hugepages-')) return { kind: 'pods' };
  if (name === 'requests.storage' || name === 'persistentvolumeclaims' || name === 'count/persistentvolumeclaims' || name.includes('.storageclass.storage.k8s.io/')) return { kind: 'pvcs' };
  if (name.startsWith('requests.') || name.startsWith('limits.')) return { kind: 'pods' };
  if (name === 'services' || name === 'count/services' || name.startsWith('services.')) return { kind: 'services' };
  if (LEGACY_COUNTS.has(name)) return { kind: 'count', ref: core(name) };
  if (name.startsWith('count/')) {
    const spec = name.slice('count/'.length);
    const dot = spec.indexOf('.');
    const resource = dot < 0 ? spec : spec.slice(0, dot);
    const group = dot < 0 ? '' : spec.slice(dot + 1);
    const ref = RESOURCES.find((r) => r.group === group && r.resource === resource && r.namespaced);
    if (ref) return { kind: 'count', ref };
  }
  return { kind: 'unknown' };
}

/** The quota's pod scopes (spec.scopes plus scopeSelector's `In`/`Exists` scope names). */
function scopesOf(quota: ResourceQuota): string[] {
  const fromSelector = (quota.spec?.scopeSelector?.matchExpressions ?? []).filter((e) => e.operator === 'Exists' || e.operator === 'In').map((e) => e.scopeName);
  return [...(quota.spec?.scopes ?? []), ...fromSelector];
}

async function objectsOf(ctx: ReconcileContext, ref: ResourceRef, namespace: string): Promise<KubeObject[]> {
  if (CACHED.some((c) => c.group === ref.group && c.resource === ref.resource)) return ctx.listers.get(ref).namespace(namespace).list();
  return (await ctx.client.list(ref, { namespace, signal: ctx.signal })).items;
}

/**
 * The status.used of a quota (CalculateUsage masked to hard): every resource of spec.hard that
 * skiff knows how to measure, `0` when nothing uses it. Unknown names keep their previous value.
 */
export async function computeUsed(ctx: ReconcileContext, quota: ResourceQuota, now: number): Promise<Record<string, string>> {
  const namespace = quota.metadata.namespace!;
  const scopes = scopesOf(quota);
  const usage = new Map<string, Usage>();
  const usageFor = async (source: Source): Promise<Usage> => {
    const id = source.kind === 'count' ? `count:${source.ref.group}/${source.ref.resource}` : source.kind;
    const cached = usage.get(id);
    if (cached) return cached;
    let computed: Usage = new Map();
    if (source.kind === 'pods') {
      const pods = ctx.listers.get<QuotaPod>(PODS).namespace(namespace).list().filter((p) => podMatchesScopes(p, scopes));
      computed = sumUsage(pods.map((p) => podUsage(p, now)));
    } else if (source.kind === 'services') computed = sumUsage(ctx.listers.get(SERVICES).namespace(namespace).list().map(serviceUsage));
    else if (source.kind === 'pvcs') computed = sumUsage(ctx.listers.get(PVCS).namespace(namespace).list().map(pvcUsage));
    else if (source.kind === 'count') addTo(computed, 'count', (await objectsOf(ctx, source.ref, namespace)).length);
    usage.set(id, computed);
    return computed;
  };
  const used: Record<string, string> = {};
  for (const name of Object.keys(quota.spec?.hard ?? {}).sort()) {
    const source = sourceOf(name);
    if (source.kind === 'unknown') {
      const previous = quota.status?.used?.[name];
      if (previous !== undefined) used[name] = previous;
      continue;
    }
    const amounts = await usageFor(source);
    const amount = source.kind === 'count' ? amounts.get('count') : amounts.get(name);
    used[name] = formatAmount(amount ?? { value: 0, binary: false });
  }
  return used;
}

/** The quotas of each namespace, so that any object's event can wake the quotas of its namespace. */
class QuotaIndex {
  private readonly byNamespace = new Map<string, Set<string>>();

  remember(namespace: string, name: string): void {
    const names = this.byNamespace.get(namespace) ?? new Set<string>();
    names.add(name);
    this.byNamespace.set(namespace, names);
  }

  forget(namespace: string, name: string): void {
    this.byNamespace.get(namespace)?.delete(name);
  }

  keysFor(obj: KubeObject): string[] {
    const ns = obj.metadata.namespace ?? '';
    return [...(this.byNamespace.get(ns) ?? [])].map((name) => `${ns}/${name}`);
  }
}

/** Options for tests: a fixed clock. */
export interface ResourceQuotaOptions {
  now?: () => number;
}

/**
 * A new ResourceQuota controller. A quota is recalculated when it changes, when an object it may
 * count changes in its namespace, and every five minutes (for counts read through the API).
 */
export function resourceQuotaController(opts: ResourceQuotaOptions = {}): Controller {
  const index = new QuotaIndex();
  const now = opts.now ?? Date.now;
  const wake = (obj: KubeObject): string[] => index.keysFor(obj);
  return {
    name: 'resourcequota',
    watches: [
      {
        resource: RESOURCEQUOTAS,
        map: (obj) => {
          index.remember(obj.metadata.namespace ?? '', obj.metadata.name!);
          return [`${obj.metadata.namespace}/${obj.metadata.name}`, ...index.keysFor(obj)];
        },
      },
      ...CACHED.filter((ref) => ref !== RESOURCEQUOTAS).map((resource) => ({ resource, map: wake })),
    ],
    async reconcile(ctx, key) {
      const { namespace, name } = splitKey(key);
      const quota = ctx.listers.get<ResourceQuota>(RESOURCEQUOTAS).namespace(namespace).get(name);
      if (!quota) {
        index.forget(namespace, name);
        return;
      }
      index.remember(namespace, name);
      const hard = { ...(quota.spec?.hard ?? {}) };
      const used = await computeUsed(ctx, quota, now());
      if (!jsonEqual(quota.status?.hard ?? {}, hard) || !jsonEqual(quota.status?.used ?? {}, used)) {
        const next = cloneJson(quota);
        next.status = { hard, used };
        try {
          await ctx.client.updateStatus(RESOURCEQUOTAS, next);
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
      return { requeueAfterMs: RESYNC_MS };
    },
  };
}
