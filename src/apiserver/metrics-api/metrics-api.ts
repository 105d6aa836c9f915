import { StatusError, methodNotAllowed, notFound } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import { findResource } from '../../api/registry.ts';
import type { PodStats, Summary } from '../../api/stats/summary.ts';
import type { ExtraGroup } from '../discovery.ts';
import type { StoreLookup } from '../handlers/context.ts';
import { predicateFor } from '../handlers/filter.ts';
import { sendJson, type ApiResponse } from '../http.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import { isSummary } from './kubelet-source.ts';
import { METRICS_API_VERSION, nodeMetrics, podMetrics, type NodeMetrics, type PodMetrics } from './convert.ts';

/** Where node summaries come from: the API server's connection to each node's kubelet (`/stats/summary`). */
export interface KubeletStatsSource {
  summary(node: KubeObject): Promise<Summary>;
}

/** The group metrics-server registers through its APIService. */
export const METRICS_GROUP = 'metrics.k8s.io';

/** How metrics.k8s.io appears in discovery: nodes and pods, get and list only. */
export const METRICS_DISCOVERY: ExtraGroup = {
  group: METRICS_GROUP,
  version: 'v1beta1',
  resources: [
    { resource: 'nodes', kind: 'NodeMetrics', namespaced: false, verbs: ['get', 'list'] },
    { resource: 'pods', kind: 'PodMetrics', namespaced: true, verbs: ['get', 'list'] },
  ],
};

/** Options of `MetricsApi`. */
export interface MetricsApiOptions {
  /** Absent: the group answers 503 ServiceUnavailable, like an APIService whose metrics-server is down. */
  source?: KubeletStatsSource;
  stores: StoreLookup;
  /** How long a node's summary is reused (metrics-server's resolution); default 15 s. */
  ttlMs?: number;
  /** A kubelet that does not answer within this is left out of the answer; default 10 s. */
  timeoutMs?: number;
  /** The window CPU rates are averaged over: the kubelet's sampling interval (cAdvisor housekeeping, 10 s). */
  windowMs?: number;
  now?: () => number;
}

interface CachedSummary {
  at: number;
  ok: boolean;
  summary: Promise<Summary | undefined>;
}

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;

/**
 * The metrics.k8s.io/v1beta1 API as metrics-server serves it: NodeMetrics and PodMetrics, get and
 * list, label and field selectors, namespaces. Summaries are fetched per node on demand and reused
 * for `ttlMs`, so repeated `kubectl top` calls are answered from memory; concurrent requests share
 * one fetch per node; an unreachable kubelet only leaves its node (and its pods) out.
 */
export class MetricsApi {
  private readonly summaries = new Map<string, CachedSummary>();
  private readonly now: () => number;

  constructor(private readonly options: MetricsApiOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the group is served (listed in discovery). */
  get available(): boolean {
    return this.options.source !== undefined;
  }

  /**
   * Discovery of the group itself (`/apis/metrics.k8s.io[/v1beta1]`) while there is no source: 503,
   * as the aggregator answers for an unavailable APIService. Other paths pass.
   */
  checkDiscoveryPath(path: string): void {
    if (this.available) return;
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'apis' && parts[1] === METRICS_GROUP) throw new StatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
  }

  /** Serves one request under /apis/metrics.k8s.io/...; throws StatusError for bad requests. */
  async serve(request: ResourceRequestInfo, query: URLSearchParams, res: ApiResponse): Promise<void> {
    if (!this.options.source) throw new StatusError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    if (request.version !== 'v1beta1' || request.subresource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
    if (request.verb !== 'get' && request.verb !== 'list') throw methodNotAllowed();
    if (request.resource === 'nodes' && !request.namespace) return this.serveNodes(request, query, res);
    if (request.resource === 'pods') return this.servePods(request, query, res);
    throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
  }

  private async serveNodes(request: ResourceRequestInfo, query: URLSearchParams, res: ApiResponse): Promise<void> {
    const store = this.options.stores.byResource('', 'nodes')!;
    if (request.name) {
      const node = store.peek(undefined, request.name)?.object;
      const metrics = node ? await this.nodeMetricsOf(node) : undefined;
      if (!metrics) throw notFound('nodes', METRICS_GROUP, request.name);
      return sendJson(res, 200, metrics);
    }
    const matches = predicateFor(NODES, query);
    const nodes = store.peekAll().filter(matches).sort(byName);
    const items = (await Promise.all(nodes.map((n) => this.nodeMetricsOf(n)))).filter((m): m is NodeMetrics => m !== undefined);
    sendJson(res, 200, { kind: 'NodeMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
  }

  private async servePods(request: ResourceRequestInfo, query: URLSearchParams, res: ApiResponse): Promise<void> {
    const store = this.options.stores.byResource('', 'pods')!;
    if (request.name) {
      const pod = request.namespace ? store.peek(request.namespace, request.name)?.object : undefined;
      const [metrics] = pod ? await this.podMetricsOf([pod]) : [];
      if (!metrics) throw notFound('pods', METRICS_GROUP, request.name);
      return sendJson(res, 200, metrics);
    }
    const matches = predicateFor(PODS, query);
    const pods = store.peekAll().filter((p) => (!request.namespace || p.metadata.namespace === request.namespace) && matches(p));
    pods.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
    const items = await this.podMetricsOf(pods);
    sendJson(res, 200, { kind: 'PodMetricsList', apiVersion: METRICS_API_VERSION, metadata: {}, items });
  }

  private async nodeMetricsOf(node: KubeObject): Promise<NodeMetrics | undefined> {
    const summary = await this.summaryOf(node);
    return summary ? nodeMetrics(node, summary, this.windowMs) : undefined;
  }

  /** Metrics of the given pods that their nodes' summaries report (others are left out). */
  private async podMetricsOf(pods: KubeObject[]): Promise<PodMetrics[]> {
    const nodeStore = this.options.stores.byResource('', 'nodes')!;
    const nodeNames = new Set(pods.map(nodeNameOf).filter((n): n is string => Boolean(n)));
    const byPod = new Map<string, PodStats>();
    await Promise.all([...nodeNames].map(async (name) => {
      const node = nodeStore.peek(undefined, name)?.object;
      const summary = node ? await this.summaryOf(node) : undefined;
      for (const stats of summary?.pods ?? []) byPod.set(`${stats.podRef.namespace}/${stats.podRef.name}`, stats);
    }));
    const out: PodMetrics[] = [];
    for (const pod of pods) {
      const stats = byPod.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
      // A summary entry of an earlier pod with the same name (other UID) is not this pod's.
      if (!stats || (stats.podRef.uid && pod.metadata.uid && stats.podRef.uid !== pod.metadata.uid)) continue;
      const metrics = podMetrics(pod, stats, this.windowMs);
      if (metrics) out.push(metrics);
    }
    return out;
  }

  private get windowMs(): number {
    return this.options.windowMs ?? 10_000;
  }

  /**
   * The node's summary from the cache, or fetched once for all concurrent callers. Failures and
   * timeouts yield undefined and are remembered for a third of the TTL, so a dead kubelet does not
   * slow every `kubectl top` down.
   */
  private summaryOf(node: KubeObject): Promise<Summary | undefined> {
    const name = node.metadata.name!;
    const ttl = this.options.ttlMs ?? 15_000;
    const cached = this.summaries.get(name);
    const age = cached ? this.now() - cached.at : Infinity;
    if (cached && age < (cached.ok ? ttl : ttl / 3)) return cached.summary;
    const entry: CachedSummary = { at: this.now(), ok: true, summary: Promise.resolve(undefined) };
    entry.summary = this.fetch(node).then(
      (summary) => summary,
      () => {
        entry.ok = false;
        return undefined;
      },
    );
    // Entries of nodes nobody asks about any more (deleted nodes) are dropped as they go stale.
    for (const [key, old] of this.summaries) if (this.now() - old.at > 2 * ttl) this.summaries.delete(key);
    this.summaries.set(name, entry);
    return entry.summary;
  }

  private fetch(node: KubeObject): Promise<Summary> {
    const timeoutMs = this.options.timeoutMs ?? 10_000;
    return new Promise<Summary>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kubelet of ${node.metadata.name} did not answer in ${timeoutMs} ms`)), timeoutMs);
      this.options.source!.summary(node)
        // A malformed answer counts as a failed scrape: it must not break the other nodes' metrics.
        .then((summary) => (isSummary(summary) ? resolve(summary) : reject(new Error(`malformed summary from ${node.metadata.name}`))), reject)
        .finally(() => clearTimeout(timer));
    });
  }
}

function byName(a: KubeObject, b: KubeObject): number {
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

function nodeNameOf(pod: KubeObject): string | undefined {
  return (pod.spec as { nodeName?: string } | undefined)?.nodeName;
}
