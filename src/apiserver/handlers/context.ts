import type { ResourceInfo } from '../../api/registry.ts';
import type { Storage } from '../../storage/interface.ts';
import type { ApiRequest, ApiResponse } from '../http.ts';
import type { ResourceRequestInfo } from '../request-info.ts';
import type { ResourceStore } from '../registry/resource-store.ts';
import type { WatchCache } from '../watch-cache.ts';
import type { UserInfo } from '../authn/authenticate.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeletTransport } from '../proxy/kubelet-location.ts';
import type { ServiceAccountTokens } from '../authn/service-account-token.ts';

/** What every resource handler gets: the parsed request, its resource, and the server's parts. */
export interface HandlerContext {
  req: ApiRequest;
  res: ApiResponse;
  query: URLSearchParams;
  request: ResourceRequestInfo;
  info: ResourceInfo;
  store: ResourceStore;
  /** Stores by `group/resource` (storage version), for handlers that touch other resources. */
  stores: StoreLookup;
  storage: Storage;
  cache: WatchCache;
  user?: UserInfo;
  metrics?: ApiMetrics;
  /** Issues service account tokens (serviceaccounts/token), when the server has a signing key. */
  serviceAccountTokens?: ServiceAccountTokens;
  /** Response headers to add (Warning headers from field validation). */
  warnings: string[];
  /** Credentials towards kubelets (pods/log); absent when the server has none. */
  kubelet?: KubeletTransport;
}

/** What an upgrade (websocket or SPDY) handler gets: the raw connection instead of a response. */
export interface UpgradeContext {
  req: IncomingMessage;
  socket: Duplex;
  /** Bytes the client sent after the request head. */
  head: Buffer;
  query: URLSearchParams;
  request: ResourceRequestInfo;
  info: ResourceInfo;
  stores: StoreLookup;
  user?: UserInfo;
  kubelet?: KubeletTransport;
}

export interface StoreLookup {
  byResource(group: string, resource: string): ResourceStore | undefined;
}

/** Field manager of a write: the fieldManager parameter, else the user agent's product (`kubectl`). */
export function fieldManagerOf(ctx: Pick<HandlerContext, 'query' | 'req'>): string {
  const explicit = ctx.query.get('fieldManager');
  if (explicit) return explicit;
  const agent = String(ctx.req.headers['user-agent'] ?? 'unknown');
  return agent.split('/')[0] || 'unknown';
}

/** Whether the request is a dry run (`dryRun=All`). */
export function isDryRun(query: URLSearchParams): boolean {
  return query.getAll('dryRun').includes('All');
}
