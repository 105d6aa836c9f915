/**
 * The API server's Prometheus metrics, under Kubernetes' names and label sets
 * (k8s.io/apiserver/pkg/endpoints/metrics and pkg/storage/etcd3/metrics), kept in a registry of
 * their own so several servers in one process (tests) do not collide.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Labels of one API request. `verb` is the verb as Kubernetes reports it in metrics (see
 * {@link reportedVerb}); `scope` is `resource` (named object), `namespace`, `cluster` or '' for
 * non-resource paths; `subresource` is '' when absent; `dry_run` is '' unless the request asked for
 * `dryRun=All`.
 */
export interface RequestLabels {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
  dry_run?: string;
}

/** Group, version and kind of a watched resource. */
export interface WatchedKind {
  group: string;
  version: string;
  kind: string;
}

/** Options: `processMetrics` adds the process_* metrics (CPU, memory, start time); default true. */
export interface ApiMetricsOptions {
  processMetrics?: boolean;
}

/** Kubernetes' component label value for metrics the apiserver itself records. */
const COMPONENT = 'apiserver';

/**
 * Latency buckets of apiserver_request_duration_seconds and etcd_request_duration_seconds: Kubernetes
 * uses the same finely cut set for both, since the API call latency SLO is read from them.
 */
const LATENCY_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

const REQUEST_LABELS = ['verb', 'dry_run', 'group', 'version', 'resource', 'subresource', 'scope', 'component'] as const;

/** Request verbs (as parsed from the URL) mapped to the verbs Kubernetes' metrics report. */
const METRIC_VERBS: Record<string, string> = {
  get: 'GET',
  list: 'LIST',
  watch: 'WATCH',
  create: 'POST',
  update: 'PUT',
  patch: 'PATCH',
  delete: 'DELETE',
  deletecollection: 'DELETECOLLECTION',
  connect: 'CONNECT',
  proxy: 'CONNECT',
};

/**
 * The `verb` label Kubernetes records for a request verb: HTTP-method style (`create` is POST,
 * `update` PUT), and a patch with content type `application/apply-patch+yaml` is APPLY.
 */
export function reportedVerb(requestVerb: string, contentType?: string): string {
  if (requestVerb === 'patch' && contentType?.startsWith('application/apply-patch')) return 'APPLY';
  return METRIC_VERBS[requestVerb] ?? requestVerb.toUpperCase();
}

/**
 * Owns the API server's metrics. Recording methods are cheap (one label object per metric, the
 * rest is prom-client's map lookup) so they can sit on every request and storage call.
 */
export class ApiMetrics {
  /** The registry holding every metric below; other components may register into it. */
  readonly registry = new Registry();
  private readonly requestTotal: Counter<string>;
  private readonly requestDuration: Histogram<string>;
  private readonly longRunning: Gauge<string>;
  private readonly registeredWatchers: Gauge<string>;
  private readonly storageDuration: Histogram<string>;
  private readonly storageObjects: Gauge<string>;

  constructor(options: ApiMetricsOptions = {}) {
    const registers = [this.registry];
    this.requestTotal = new Counter({
      name: 'apiserver_request_total',
      help: 'Counter of apiserver requests by verb, dry run value, group, version, resource, subresource, scope, component and HTTP response code.',
      labelNames: [...REQUEST_LABELS, 'code'],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency in seconds by verb, dry run value, group, version, resource, subresource, scope and component.',
      labelNames: [...REQUEST_LABELS],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.longRunning = new Gauge({
      name: 'apiserver_longrunning_requests',
      help: 'Long-running requests (watches, exec, logs) currently open, by verb, group, version, resource, subresource, scope and component.',
      labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'component'],
      registers,
    });
    this.registeredWatchers = new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Watchers currently registered, by group, version and kind.',
      labelNames: ['group', 'version', 'kind'],
      registers,
    });
    this.storageDuration = new Histogram({
      name: 'etcd_request_duration_seconds',
      help: 'Storage request latency in seconds by operation and object type.',
      labelNames: ['operation', 'type'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storageObjects = new Gauge({
      name: 'apiserver_storage_objects',
      help: 'Objects in storage at the last count, by resource.',
      labelNames: ['resource'],
      registers,
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Records one finished request: its latency (seconds) and its HTTP status code. */
  observeRequest(labels: RequestLabels, seconds: number, code: number): void {
    const { verb, group, version, resource, subresource, scope } = labels;
    const dry_run = labels.dry_run ?? '';
    this.requestDuration.observe({ verb, dry_run, group, version, resource, subresource, scope, component: COMPONENT }, seconds);
    this.requestTotal.inc({ verb, dry_run, group, version, resource, subresource, scope, component: COMPONENT, code });
  }

  /**
   * Records one storage call. `operation` is Kubernetes' name (get, list, listWithCount, create,
   * update, delete, compact, ...), `type` the resource (`pods`, `deployments.apps`).
   */
  observeStorage(operation: string, type: string, seconds: number): void {
    this.storageDuration.observe({ operation, type }, seconds);
  }

  /** Adds `delta` (+1 on watch start, -1 on end) to the registered watchers of a kind. */
  watchers(gvk: WatchedKind, delta: number): void {
    this.registeredWatchers.inc({ group: gvk.group, version: gvk.version, kind: gvk.kind }, delta);
  }

  /** Adds `delta` to the open long-running requests (watch, exec, attach, logs, port-forward, proxy). */
  longRunningRequests(labels: RequestLabels, delta: number): void {
    const { verb, group, version, resource, subresource, scope } = labels;
    this.longRunning.inc({ verb, group, version, resource, subresource, scope, component: COMPONENT }, delta);
  }

  /** Sets the stored object count of a resource (`pods`, `deployments.apps`). */
  setObjectCount(resource: string, n: number): void {
    this.storageObjects.set({ resource }, n);
  }

  /** The Prometheus text exposition of every metric, with its content type, for GET /metrics. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
