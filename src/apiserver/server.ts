import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { StatusError, toStatusError } from '../api/errors.ts';
import { RESOURCES, findResource, storagePrefix } from '../api/registry.ts';
import type { Storage } from '../storage/interface.ts';
import type { Pki } from './authn/pki.ts';
import { Authenticator, type UserInfo } from './authn/authenticate.ts';
import { reportedVerb, type ApiMetrics } from './metrics.ts';
import { checkAcceptable, sendError, type ApiRequest, type ApiResponse } from './http.ts';
import { parseRequestInfo, requestTarget } from './request-info.ts';
import { ResourceStore } from './registry/resource-store.ts';
import { WatchCache } from './watch-cache.ts';
import { InstrumentedStorage } from './instrumented-storage.ts';
import type { HandlerContext, StoreLookup } from './handlers/context.ts';
import { dispatchResource, dispatchUpgrade } from './resource-handler.ts';
import { rejectUpgradeWithStatus } from './proxy/upgrade-response.ts';
import { KUBELET_SERVING_CERT_PATH, serveKubeletServingCert } from './authn/kubelet-serving-endpoint.ts';
import type { KubeletTransport } from './proxy/kubelet-location.ts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { serveNonResource } from './non-resource.ts';
import { bootstrapObjects } from './bootstrap.ts';
import { registerServiceAllocation } from './registry/service-allocation.ts';
import { METRICS_DISCOVERY, METRICS_GROUP, MetricsApi, type KubeletStatsSource } from './metrics-api/metrics-api.ts';
import './registry/eviction.ts';
import './proxy/index.ts';
import './registry/token-request.ts';
import { ServiceAccountTokens } from './authn/service-account-token.ts';
import { registerServiceAccountAdmission } from './admission/service-account.ts';
import { FlowControl } from './flowcontrol/flow-control.ts';

export interface ApiServerOptions {
  storage: Storage;
  pki: Pki;
  authenticator?: Authenticator;
  metrics?: ApiMetrics;
  /** Address advertised in `/api` discovery and the `kubernetes` Endpoints. */
  advertiseAddress?: string;
  /** PEM private key signing service account tokens; enables TokenRequest, their authentication and the ServiceAccount admission. */
  serviceAccountKey?: string;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
  /**
   * Node summaries for metrics.k8s.io (`kubectl top`). Without it the group is not in discovery
   * and answers 503 ServiceUnavailable, like a cluster whose metrics-server is down.
   */
  kubeletStats?: KubeletStatsSource;
  /**
   * API Priority and Fairness (flowcontrol/): the server's total seats, Kubernetes' 600 by default;
   * 0 turns it off (kube-apiserver --enable-priority-and-fairness=false).
   */
  flowControlSeats?: number;
}

/** Whether the client of `res` went away (its stream or connection closed) before it was answered. */
function clientGone(res: ApiResponse): boolean {
  const stream = (res as { stream?: { closed: boolean } }).stream;
  return res.writableEnded || (stream ? stream.closed : Boolean((res as { destroyed?: boolean }).destroyed));
}

/** Subresources whose requests run for as long as the client wants (not held against a seat, as in Kubernetes). */
const LONG_RUNNING_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward', 'proxy']);

/** Paths anyone may read without credentials (Kubernetes' system:public-info-viewer). */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

/**
 * The Kubernetes API server: HTTPS (HTTP/2 with HTTP/1.1 fallback), client-certificate and bearer
 * token authentication, the resource API served from a watch cache over the store, discovery,
 * OpenAPI, health and metrics.
 */
/**
 * Memory one HTTP/2 connection may hold, in MB (Node's default is 10). Clients open windows as
 * client-go does (4 MiB per stream, 1 GiB per connection), so a scheduler's session carrying a list
 * of 11,000 pods, a watch and hundreds of binds queues more than 10 MB; Node then refuses every new
 * stream with ENHANCE_YOUR_CALM (binds failed, were retried and hit 409s: 300 pods/s instead of
 * 1,150 at 5,000 nodes). kube-apiserver has no such per-connection cap.
 */
export const MAX_SESSION_MEMORY_MB = 512;

export class ApiServer implements StoreLookup {
  readonly cache: WatchCache;
  private readonly stores = new Map<string, ResourceStore>();
  private readonly storageStores = new Map<string, ResourceStore>();
  private server?: Http2SecureServer;
  private readonly sockets = new Set<TLSSocket>();
  private ready = false;
  readonly authenticator: Authenticator;
  readonly serviceAccountTokens?: ServiceAccountTokens;
  private readonly metricsApi: MetricsApi;
  private readonly flowControl?: FlowControl;

  private readonly options: ApiServerOptions;

  constructor(options: ApiServerOptions) {
    if (options.metrics) options = { ...options, storage: new InstrumentedStorage(options.storage, options.metrics) };
    this.options = options;
    this.cache = new WatchCache(options.storage, RESOURCES.map((r) => storagePrefix(r)));
    this.authenticator = options.authenticator ?? new Authenticator({});
    // Strategies are read when stores are built, so hooks register first.
    registerServiceAllocation(this);
    if (options.serviceAccountKey) {
      this.serviceAccountTokens = new ServiceAccountTokens(options.serviceAccountKey, (resource, ns, name) => this.byResource('', resource)?.peek(ns, name)?.object);
      this.authenticator.useServiceAccountTokens(this.serviceAccountTokens);
      registerServiceAccountAdmission(this);
    }
    this.metricsApi = new MetricsApi({ source: options.kubeletStats, stores: this });
    if (options.flowControlSeats !== 0) this.flowControl = new FlowControl(options.flowControlSeats);
    for (const info of RESOURCES) {
      const store = new ResourceStore(info, options.storage, this.cache);
      this.stores.set(`${info.group}/${info.version}/${info.resource}`, store);
      if (info.version === info.storageVersion) this.storageStores.set(`${info.group}/${info.resource}`, store);
    }
  }

  byResource(group: string, resource: string): ResourceStore | undefined {
    return this.storageStores.get(`${group}/${resource}`);
  }

  /** Loads the watch cache, creates the built-in objects and starts listening. Resolves with the port. */
  async start(port: number, host = '0.0.0.0'): Promise<number> {
    await this.cache.start();
    await bootstrapObjects(this, this.options.advertiseAddress ?? '127.0.0.1', port);
    const { pki } = this.options;
    this.server = createSecureServer(
      { allowHTTP1: true, key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: false, maxSessionMemory: MAX_SESSION_MEMORY_MB },
      (req, res) => void this.handle(req, res),
    );
    // Websocket and SPDY upgrades (exec, attach, port-forward) arrive over HTTP/1.1.
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.handleUpgrade(req, socket, head));
    this.server.on('sessionError', () => {});
    // Tracked so that stop() can end keep-alive connections and open watches at once.
    this.server.on('secureConnection', (socket: TLSSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    this.ready = true;
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.ready = false;
    this.cache.stop();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      setTimeout(resolve, 2000).unref();
    });
  }

  isReady(): boolean {
    return this.ready;
  }

  /** The API server's credentials towards kubelets (its kubelet client certificate and the cluster CA). */
  private kubeletTransport(): KubeletTransport | undefined {
    const { pki } = this.options;
    return pki.kubeletClientCert ? { ca: pki.caCert, cert: pki.kubeletClientCert, key: pki.kubeletClientKey } : undefined;
  }

  /** An HTTP/1.1 upgrade request: authenticated like any request, then routed to a streaming subresource. */
  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://skiff');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    try {
      const user = await this.authenticator.authenticate(req);
      if (!user) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      if (!info?.isResourceRequest) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      const resource = findResource(info.group, info.version, info.resource);
      if (!resource || (!resource.namespaced && info.namespace)) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      await dispatchUpgrade({ req, socket, head, query: url.searchParams, request: info, info: resource, stores: this, user, kubelet: this.kubeletTransport() });
    } catch (err) {
      const status = toStatusError(err);
      if (status.code >= 500) this.options.log?.('upgrade request failed', { path: url.pathname, error: err instanceof Error ? err.stack : String(err) });
      rejectUpgradeWithStatus(socket, status);
    }
  }

  private async handle(req: ApiRequest, res: ApiResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const url = requestTarget(req.url ?? '/');
    const method = req.method ?? 'GET';
    const info = parseRequestInfo(method, url.pathname, url.searchParams);
    let labels = { verb: method, group: '', version: '', resource: '', subresource: '', scope: '' };
    try {
      const authenticated = this.authenticator.authenticate(req);
      // Only a service account token seen for the first time takes the asynchronous path.
      const user = authenticated instanceof Promise ? await authenticated : authenticated;
      if (!user && !PUBLIC_PATHS.has(url.pathname)) throw new StatusError(401, 'Unauthorized', 'Unauthorized');
      if (!info) throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      if (!info.isResourceRequest) {
        if (url.pathname === KUBELET_SERVING_CERT_PATH) return await serveKubeletServingCert(this.options.pki, user, req, res);
        this.metricsApi.checkDiscoveryPath(url.pathname);
        await serveNonResource(this, req, res, url, this.options.metrics, this.metricsApi.available ? [METRICS_DISCOVERY] : []);
        return;
      }
      if (info.group === METRICS_GROUP) {
        checkAcceptable(req);
        await this.metricsApi.serve(info, url.searchParams, res);
        return;
      }
      const resource = findResource(info.group, info.version, info.resource);
      labels = { verb: reportedVerb(info.verb, String(req.headers['content-type'] ?? '')), group: info.group, version: info.version, resource: info.resource, subresource: info.subresource ?? '', scope: info.name ? 'resource' : info.namespace ? 'namespace' : 'cluster' };
      if (!resource) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      if (!resource.namespaced && info.namespace) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      checkAcceptable(req);
      const ctx: HandlerContext = {
        req,
        res,
        query: url.searchParams,
        request: info,
        info: resource,
        store: this.stores.get(`${resource.group}/${resource.version}/${resource.resource}`)!,
        stores: this,
        storage: this.options.storage,
        cache: this.cache,
        user: user as UserInfo | undefined,
        serviceAccountTokens: this.serviceAccountTokens,
        metrics: this.options.metrics,
        warnings: [],
        kubelet: this.kubeletTransport(),
      };
      if (!this.flowControl || info.verb === 'watch' || LONG_RUNNING_SUBRESOURCES.has(info.subresource ?? '')) {
        await dispatchResource(ctx);
      } else {
        const seat = this.flowControl.admit({ user: ctx.user, verb: info.verb, group: info.group, resource: info.resource, namespace: info.namespace }, () => clientGone(res));
        const release = seat instanceof Promise ? await seat : seat;
        try {
          await dispatchResource(ctx);
        } finally {
          release();
        }
      }
    } catch (err) {
      const status = toStatusError(err);
      if (status.code >= 500) this.options.log?.('request failed', { method, path: url.pathname, error: err instanceof Error ? err.stack : String(err) });
      if (status.details?.retryAfterSeconds !== undefined && !res.headersSent) res.setHeader('retry-after', String(status.details.retryAfterSeconds));
      if (!res.headersSent && !clientGone(res)) sendError(res, status);
      else res.end();
    } finally {
      if (info?.isResourceRequest && info.verb !== 'watch') {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        this.options.metrics?.observeRequest(labels, seconds, res.statusCode);
      }
    }
  }
}
